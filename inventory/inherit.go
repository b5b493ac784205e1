package inventory

// inheritance is the inherits graph of every profile, resolved in one pass:
// each profile is visited once, so MaxProfiles profiles on one chain or one
// cycle cost MaxProfiles steps, not their square (a walk per profile) or
// cube (a file-order lookup per cycle member).
type inheritance struct {
	// resolved is each profile with the fields it leaves empty filled from
	// its nearest ancestor that sets them; the label not yet defaulted.
	resolved map[string]Profile
	// cycles lists each inheritance cycle once, from its first member in
	// file order, in inherits order.
	cycles  [][]string
	onCycle map[string]bool
}

// resolveInheritance follows inherits from every profile of names (file
// order). A walk stops at a profile already resolved, at an unknown or
// empty parent, or where it meets itself: a cycle, whose members each take
// from the others in inherits order, as a walk around it would.
func (inv *Inventory) resolveInheritance(names []string) inheritance {
	in := inheritance{resolved: make(map[string]Profile, len(names)), onCycle: map[string]bool{}}
	order := make(map[string]int, len(names))
	for i, n := range names {
		order[n] = i
	}
	const (
		onWalk = 1
		done   = 2
	)
	state := make(map[string]int8, len(names))
	at := map[string]int{} // position on the current walk
	for _, start := range names {
		if state[start] != 0 {
			continue
		}
		var walk []string
		var base Profile // what the last profile on the walk inherits
		cycleAt := -1
		for cur := start; cur != ""; {
			p, ok := inv.Profiles[cur]
			if !ok {
				break
			}
			if state[cur] == done {
				base = in.resolved[cur]
				break
			}
			if state[cur] == onWalk {
				cycleAt = at[cur]
				break
			}
			state[cur] = onWalk
			at[cur] = len(walk)
			walk = append(walk, cur)
			cur = own(p).Inherits
		}
		visited := walk
		if cycleAt >= 0 {
			cycle := walk[cycleAt:]
			in.resolveCycle(inv, cycle)
			first := 0
			for i, c := range cycle {
				in.onCycle[c] = true
				if order[c] < order[cycle[first]] {
					first = i
				}
			}
			in.cycles = append(in.cycles, append(append([]string(nil), cycle[first:]...), cycle[:first]...))
			base = in.resolved[cycle[0]]
			walk = walk[:cycleAt]
		}
		for i := len(walk) - 1; i >= 0; i-- {
			r := inherit(own(inv.Profiles[walk[i]]), base)
			in.resolved[walk[i]] = r
			base = r
		}
		for _, n := range visited {
			state[n] = done
			delete(at, n)
		}
	}
	return in
}

// resolveCycle resolves the members of a cycle (each inherits from the
// next, the last from the first): a field comes from the first member,
// going round from the profile itself, that sets it. Scanning the cycle
// backwards twice gives every member its answer in linear time.
func (in *inheritance) resolveCycle(inv *Inventory, cycle []string) {
	k := len(cycle)
	var next Profile
	res := make([]Profile, k)
	for j := 2*k - 1; j >= 0; j-- {
		next = inherit(onCycle(inv.Profiles[cycle[j%k]]), next)
		if j < k {
			res[j] = next
		}
	}
	for i, c := range cycle {
		in.resolved[c] = res[i]
	}
}

// inherit is p with every field it leaves empty taken from parent, which
// is resolved, and p's append_extra added after the append it ends up
// with.
func inherit(p, parent Profile) Profile {
	r := Profile{Label: p.Label, Kernel: p.Kernel, Initrd: p.Initrd, Append: p.Append}
	setDefault(&r.Label, parent.Label)
	setDefault(&r.Kernel, parent.Kernel)
	setDefault(&r.Append, parent.Append)
	if r.Initrd == nil {
		r.Initrd = parent.Initrd
	}
	r.Kind, r.EFI = p.Kind, p.EFI
	setDefault(&r.Kind, parent.Kind)
	setDefault(&r.EFI, parent.EFI)
	r.ARM64 = p.ARM64
	setDefault(&r.ARM64.Kernel, parent.ARM64.Kernel)
	if r.ARM64.Initrd == nil {
		r.ARM64.Initrd = parent.ARM64.Initrd
	}
	if p.AppendExtra != "" {
		r.Append = KernelArgs(r.Append, p.AppendExtra)
		if len(r.Append) > maxResolvedAppend {
			// Refused anyway (see appendBytes); a chain of 4,096
			// extensions must not build, level by level, appends that
			// grow with every level.
			r.Append = r.Append[:maxResolvedAppend]
		}
	}
	return r
}

// maxResolvedAppend bounds a resolved append: any longer than a PXELINUX
// APPEND line is refused, and this keeps the length exact in the message
// for a profile and one extension, each as long as a field may be.
const maxResolvedAppend = MaxValueLen

// own is the profile p points to; a profile left empty in the file
// decodes to nil until defaults are applied.
func own(p *Profile) Profile {
	if p == nil {
		return Profile{}
	}
	return *p
}

// onCycle is own(p) for a member of an inheritance cycle, which is
// refused: it has no ancestor whose append it could extend, so its
// append_extra is left out. (Going round and round would extend without
// end; going round once would cost every member a walk of the cycle.)
func onCycle(p *Profile) Profile {
	r := own(p)
	r.AppendExtra = ""
	return r
}

// ResolvedProfile returns the named profile with inheritance applied: every
// field it leaves empty comes from the nearest ancestor that sets it, each
// append_extra on the way down is added after the append above it (so
// AppendExtra is empty), and the label defaults to the name. It stops at a
// cycle or an unknown parent. The built-in local profile has a label and
// nothing else. It follows the profile's own chain; to resolve every
// profile, use ResolvedProfiles.
func (inv *Inventory) ResolvedProfile(name string) Profile {
	if name == LocalProfile {
		return Profile{Label: LocalLabel}
	}
	// The chain from name up to its root, or until it meets itself: the
	// members from the one it meets on are a cycle.
	var chain []string
	at := map[string]int{}
	cycle := -1
	for cur := name; cur != ""; {
		if i, seen := at[cur]; seen {
			cycle = i
			break
		}
		p, ok := inv.Profiles[cur]
		if !ok {
			break
		}
		at[cur] = len(chain)
		chain = append(chain, cur)
		cur = own(p).Inherits
	}
	var r Profile
	for i := len(chain) - 1; i >= 0; i-- {
		p := own(inv.Profiles[chain[i]])
		if cycle >= 0 && i >= cycle {
			p = onCycle(inv.Profiles[chain[i]])
		}
		r = inherit(p, r)
	}
	setDefault(&r.Label, name)
	setDefault(&r.Kind, KindLinux)
	return r
}

// ResolvedProfiles returns every profile with inheritance applied, as
// ResolvedProfile does for one, in time linear in the number of profiles.
// The built-in local profile is included.
func (inv *Inventory) ResolvedProfiles() map[string]Profile {
	in := inv.resolveInheritance(inv.ProfileNames())
	out := make(map[string]Profile, len(in.resolved)+1)
	for name, r := range in.resolved {
		setDefault(&r.Label, name)
		setDefault(&r.Kind, KindLinux)
		out[name] = r
	}
	out[LocalProfile] = Profile{Label: LocalLabel}
	return out
}
