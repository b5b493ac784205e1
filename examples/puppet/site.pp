# pxegen's loop with Puppet 7 (Debian 12's puppet), masterless:
#   puppet apply --modulepath examples/puppet/modules examples/puppet/site.pp
# or, with a Puppet server, include the class in the boot server's node.
# Put the inventory at /etc/pxegen/pxegen.yaml (a file resource of your
# own, or a checkout); see modules/pxegen/manifests/init.pp for every
# parameter.
node default {
  class { 'pxegen':
    inventory => '/etc/pxegen/pxegen.yaml',
  }
}
