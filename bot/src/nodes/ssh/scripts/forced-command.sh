#!/bin/sh
# whystuck forced-command.sh: the only thing the SSH fallback's key may run
# on a node, when it logs in as a user other than root (bot/docs/ssh.md, "A
# user other than root"). Install it root-owned and not writable by that
# user, beside exact copies of collect.sh and signal.sh of the bot's version:
#
#   install -o root -g root -m 0755 -d /usr/local/lib/whystuck
#   install -o root -g root -m 0755 collect.sh signal.sh forced-command.sh /usr/local/lib/whystuck/
#
# ~whystuck/.ssh/authorized_keys (one line; OpenSSH 7.2+ for "restrict"):
#   restrict,command="/usr/local/lib/whystuck/forced-command.sh sudo" ssh-ed25519 AAAA… whystuck-bot
# /etc/sudoers.d/whystuck (visudo -f; no other command, no arguments checked there: the scripts check them):
#   whystuck ALL=(root) NOPASSWD: /usr/local/lib/whystuck/collect.sh, /usr/local/lib/whystuck/signal.sh
#
# Without the "sudo" argument the scripts run as the user itself (read-only
# and partial: no kernel stacks, no signals to other users' processes).
#
# The bot always runs `sh -s -- WORD...` with the script on standard input;
# sshd hands that command line over in SSH_ORIGINAL_COMMAND. This runs an
# installed script only when the command line is exactly that, every WORD a
# lowercase word or a decimal integer, and the script on standard input is
# byte for byte the installed collect.sh or signal.sh (compared by SHA-256).
# Anything else, an interactive login included, is refused on standard error.

set -u
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
dir=$(dirname -- "$0")

refuse() {
  echo "whystuck forced command: refused: $*" >&2
  exit 126
}

case ${1:-} in
  sudo) run_as=sudo ;;
  '') run_as=self ;;
  *) refuse "unknown mode \"$1\" in authorized_keys (give \"sudo\" or nothing)" ;;
esac
[ "$(id -u)" -eq 0 ] && run_as=self

set -f
# shellcheck disable=SC2086 # split into words on purpose; globbing is off
set -- ${SSH_ORIGINAL_COMMAND:-}
[ $# -ge 4 ] && [ "$1" = sh ] && [ "$2" = -s ] && [ "$3" = -- ] || refuse "only the whystuck scripts run with this key (sh -s -- WORD...), not \"${SSH_ORIGINAL_COMMAND:-an interactive login}\""
shift 3
for w in "$@"; do
  case $w in
    *[!a-z]*) case $w in *[!0-9]*) refuse "\"$w\" is neither a lowercase word nor a decimal integer" ;; esac ;;
  esac
  [ ${#w} -le 20 ] || refuse "\"$w\" is too long"
done

# The script the bot sent, at most 256 KiB of it (the scripts are far smaller).
sent=$(head -c 262144 | sha256sum)
sent=${sent%% *}
script=''
for name in collect signal; do
  [ -r "$dir/$name.sh" ] || refuse "$dir/$name.sh is missing: install the whystuck scripts beside this one"
  want=$(sha256sum < "$dir/$name.sh")
  if [ "${want%% *}" = "$sent" ]; then script=$dir/$name.sh; fi
done
[ -n "$script" ] || refuse "the script the bot sent (SHA-256 $sent) is neither $dir/collect.sh nor $dir/signal.sh: install the scripts of the bot's version (a different version sends a different script)"

if [ "$run_as" = sudo ]; then
  exec sudo -n -- "$script" "$@" </dev/null
fi
exec /bin/sh "$script" "$@" </dev/null
