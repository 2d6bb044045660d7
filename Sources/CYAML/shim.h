// Debian's libyaml (libyaml-dev): the config's YAML is read from its event stream.
#include <yaml.h>
