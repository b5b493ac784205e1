# @summary Renders a network-boot server's files with pxegen and reloads
#   exactly the daemons whose own files changed.
#
# pxegen is the pre-step: an exec that renders the inventory into the
# server's tree, and runs only when `pxegen diff` finds that the tree
# differs from the inventory, so a run with nothing to do changes nothing.
# pxegen itself is the sync: it writes only the files whose bytes changed
# (each atomically), makes the directories, removes with --prune exactly
# the files it wrote that the inventory no longer produces, refuses a
# hand-edited file, and with --verify has the daemons check a staging copy
# first. Its JSON report names the daemons whose own files changed; each
# daemon's exec is refreshed by the render and runs only if the report
# names it, with the systemctl verb pxegen gives (restart where the unit
# cannot reload). Execs call systemctl, rather than service resources,
# because the verb is pxegen's to choose, and so that a test can put a
# recording systemctl first on $path.
#
# @param inventory pxegen's inventory on this node.
# @param root Where the tree goes: / in production, a staging directory to
#   try the module out.
# @param command The pxegen command.
# @param path The search path of every exec (pxegen, systemctl, grep).
# @param prune Remove the files pxegen wrote that the inventory no longer
#   produces.
# @param verify Run the daemons' own checks on a staging copy first.
# @param verify_files Then run pxegen verify on the tree, which also checks
#   that every loader, kernel and initrd it references is under boot_root.
# @param install_packages Install the packages of the inventory's servers.
# @param packages Those packages.
# @param boot_root The inventory's paths.boot_root.
# @param apache_conf The inventory's paths.apache_conf.
# @param loaders Files to copy into boot_root: name below it => source.
class pxegen (
  String $inventory = '/etc/pxegen/pxegen.yaml',
  String $root = '/',
  String $command = 'pxegen',
  String $path = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  Boolean $prune = true,
  Boolean $verify = true,
  Boolean $verify_files = true,
  Boolean $install_packages = true,
  Array[String] $packages = ['isc-dhcp-server', 'xinetd', 'tftpd-hpa', 'apache2', 'ipxe', 'pxelinux',
    'syslinux-common', 'shim-signed', 'grub-efi-amd64-signed'],
  String $boot_root = '/srv/tftp',
  String $apache_conf = '/etc/apache2/conf-available/pxegen.conf',
  Hash[String, String] $loaders = {
    'undionly.kpxe' => '/usr/lib/ipxe/undionly.kpxe',
    'snponly.efi'   => '/usr/lib/ipxe/snponly.efi',
    'pxelinux.0'    => '/usr/lib/PXELINUX/pxelinux.0',
    'ldlinux.c32'   => '/usr/lib/syslinux/modules/bios/ldlinux.c32',
    'menu.c32'      => '/usr/lib/syslinux/modules/bios/menu.c32',
    'libutil.c32'   => '/usr/lib/syslinux/modules/bios/libutil.c32',
    'shimx64.efi'   => '/usr/lib/shim/shimx64.efi.signed',
    'grubx64.efi'   => '/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed',
  },
) {
  $prefix = regsubst($root, '/+$', '')
  $report = "${prefix}/var/lib/pxegen/render.json"
  $prune_flag = $prune ? { true => '--prune', default => '' }
  $verify_flag = $verify ? { true => '--verify', default => '' }

  if $install_packages {
    package { $packages: ensure => installed, before => Exec['pxegen render'] }
  }

  file { "${prefix}${boot_root}":
    ensure => directory,
    mode   => '0755',
  }
  $loaders.each |$name, $source| {
    file { "${prefix}${boot_root}/${name}":
      ensure => file,
      source => $source,
      mode   => '0644',
    }
  }

  # The pre-step and the sync in one: pxegen diff exits 0 when the tree
  # already is what the inventory renders.
  exec { 'pxegen render':
    command   => "mkdir -p '${prefix}/var/lib/pxegen' && ${command} render '${inventory}' --out '${root}' ${prune_flag} ${verify_flag} --format json > '${report}.tmp' && mv '${report}.tmp' '${report}'",
    unless    => "${command} diff '${inventory}' --root '${root}' ${prune_flag} > /dev/null",
    path      => $path,
    provider  => shell,
    logoutput => on_failure,
    require   => File["${prefix}${boot_root}"],
  }

  # a2enconf, as the link it makes (which also works under a staging
  # root). Apache must reload for it, whether or not the snippet changed.
  # /etc/apache2/conf-available/pxegen.conf: available is
  # conf-available, apache_dir /etc/apache2, snippet pxegen.conf.
  $snippet = regsubst($apache_conf, '^.*/', '')
  $available = regsubst($apache_conf, '^.*/([^/]+)/[^/]+$', '\\1')
  $apache_dir = regsubst($apache_conf, '/[^/]+/[^/]+$', '')
  $enabled = "${prefix}${apache_dir}/conf-enabled"
  file { $enabled: ensure => directory, mode => '0755', require => Exec['pxegen render'] }
  file { "${enabled}/${snippet}":
    ensure  => link,
    target  => "../${available}/${snippet}",
    require => Exec['pxegen render'],
  }
  exec { 'pxegen a2enconf':
    command     => "touch '${report}.a2enconf'",
    path        => $path,
    refreshonly => true,
    subscribe   => File["${enabled}/${snippet}"],
  }

  # Each daemon pxegen can name. Refreshed by a render, each runs only if
  # this render's report names its service, with the action the report
  # gives it: a systemctl verb (restart, or reload: xinetd, Apache, and
  # dnsmasq when only its host files changed, which it rereads on SIGHUP),
  # or for Kea config-reload through its control socket (a Kea that does
  # not answer there is started; a file it refuses fails the exec, and Kea
  # keeps serving the old one). Apache reloads for a2enconf too.
  $daemons = ['isc-dhcp-server', 'kea-dhcp4-server', 'kea-dhcp6-server', 'radvd', 'dnsmasq', 'xinetd', 'apache2']
  $daemons.each |$service| {
    $named = "grep -q '\"service\": \"${service}\"' '${report}'"
    $action = "grep -A2 '\"service\": \"${service}\"' '${report}' | sed -n 's/.*\"action\": \"\\([a-z-]*\\)\".*/\\1/p'"
    $socket = "grep -A3 '\"service\": \"${service}\"' '${report}' | sed -n 's/.*\"socket\": \"\\(.*\\)\".*/\\1/p'"
    $kea = "s=\$(${socket}); a=; if [ -S \"\$s\" ]; then a=\$(printf '{\"command\": \"config-reload\"}' | socat -t 30 - \"UNIX-CONNECT:\$s\" 2>/dev/null) || a=; fi; if [ -z \"\$a\" ]; then systemctl restart ${service}; else echo \"\$a\"; case \$a in *'\"result\": 0'*) ;; *) exit 1 ;; esac; fi"
    exec { "pxegen reload ${service}":
      command     => "a=\$(${action}); case \"\$a\" in config-reload) ${kea} ;; '') systemctl reload ${service} ;; *) systemctl \"\$a\" ${service} ;; esac && rm -f '${report}.a2enconf'",
      onlyif      => $service ? {
        'apache2' => "${named} || test -e '${report}.a2enconf'",
        default   => $named,
      },
      path        => $path,
      provider    => shell,
      refreshonly => true,
      logoutput   => true,
      subscribe   => $service ? {
        'apache2' => [Exec['pxegen render'], Exec['pxegen a2enconf']],
        default   => Exec['pxegen render'],
      },
    }
  }

  if $verify_files {
    exec { 'pxegen verify':
      command   => "${command} verify '${inventory}' --out '${root}'",
      unless    => "${command} verify '${inventory}' --out '${root}' > /dev/null",
      path      => $path,
      logoutput => true,
      require   => [Exec['pxegen render'], File[keys($loaders).map |$n| { "${prefix}${boot_root}/${n}" }]],
    }
  }
}
