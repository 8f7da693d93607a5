#!/bin/sh
# whystuck signal.sh: the SSH fallback's guarded signal, in one script run.
#
# Sent on standard input to `sh -s -- PID START_TICKS SIGNUM COMM_BYTE...`.
# Every argument is a decimal integer (checked by the caller and again here);
# the expected comm arrives as its bytes, so no text reaches the command line.
#
# Right before signalling it re-reads /proc/PID/stat and refuses when the start
# time (field 22) or comm differ (the pid was reused), when the target is pid
# 1, a kernel thread, or one of this SSH session's own processes (this shell
# and its ancestors: the login shell, sshd). Only SIGTERM, SIGKILL and SIGCONT.
# After the signal it checks the start time again (a shell has no pidfd, so a
# reuse in between is reported, not prevented), then watches the task for
# about a second and reports its state and wait channel.
#
# Output: "key=value" lines: status (SIGNALLED, PID_REUSED, NOT_FOUND,
# PROTECTED, SIGNAL_NOT_ALLOWED, FAILED), comm, start, state, wchan, present,
# signalled_at (seconds since the epoch), detail.

set -u
export LC_ALL=C
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH

say() { printf '%s=%s\n' "$1" "$2"; }
finish() { say status "$1"; [ $# -gt 1 ] && say detail "$2"; exit 0; }
is_int() { case $1 in ''|*[!0-9]*) return 1 ;; esac; [ ${#1} -le 20 ]; }

# read_stat PID: sets s_comm s_state s_ppid s_flags s_start, or fails when gone.
read_stat() {
  { IFS= read -r r_line < "/proc/$1/stat"; } 2>/dev/null || return 1
  s_comm=${r_line#*\(}
  s_comm=${s_comm%\)*}
  r_rest=${r_line##*\) }
  # shellcheck disable=SC2086 # fields after the comm are numbers and one state letter
  set -- $r_rest
  [ $# -ge 20 ] || return 1
  s_state=$1
  s_ppid=$2
  s_flags=$7
  s_start=${20}
}

main() {
  [ $# -ge 4 ] || finish FAILED "bad arguments"
  for a in "$@"; do is_int "$a" || finish FAILED "bad arguments"; done
  pid=$1 start=$2 signum=$3
  shift 3
  want_comm=$(echo "$@")
  case $signum in
    9) sig=KILL ;;
    15) sig=TERM ;;
    18) sig=CONT ;;
    *) finish SIGNAL_NOT_ALLOWED "signal $signum is not allowed; allowed: SIGTERM, SIGKILL, SIGCONT" ;;
  esac
  [ "$pid" -gt 1 ] || finish PROTECTED "pid 1 of the host is never signalled"

  read_stat "$pid" || finish NOT_FOUND "pid $pid is gone already"
  say comm "$s_comm"
  say start "$s_start"
  say state "$s_state"
  have_comm=$(printf '%s' "$s_comm" | od -An -v -tu1)
  have_comm=$(echo $have_comm)
  if [ "$s_start" != "$start" ] || [ "$have_comm" != "$want_comm" ]; then
    finish PID_REUSED "now started at tick $s_start"
  fi
  [ $((s_flags & 2097152)) -eq 0 ] || finish PROTECTED "kernel thread"
  # This session's own processes: this shell and every ancestor up to pid 1.
  p=$$
  while [ "$p" -gt 1 ]; do
    [ "$p" != "$pid" ] || finish PROTECTED "it is part of this SSH session (the shell or sshd that runs this script)"
    read_stat "$p" || break
    p=$s_ppid
  done

  k_err=$(kill -s "$sig" "$pid" 2>&1) || {
    if read_stat "$pid"; then
      case $k_err in
        *'not permitted'*) finish FAILED "kill -s $sig $pid was refused: not permitted for the SSH user (uid $(id -u)); signals to other users' processes need root: log in as root, or run signal.sh through sudo (bot/docs/ssh.md, A user other than root)" ;;
      esac
      finish FAILED "kill -s $sig $pid was refused${k_err:+: $k_err}"
    fi
    finish NOT_FOUND "pid $pid exited before the signal"
  }
  say signalled_at "$(date +%s)"
  if read_stat "$pid" && [ "$s_start" != "$start" ]; then
    finish FAILED "pid $pid was reused while it was being signalled (no pidfd over SSH); the signal may have reached \"$s_comm\""
  fi

  # About a second later: gone, or still there in which state and wait.
  n=0
  while [ "$n" -lt 10 ] && read_stat "$pid" && [ "$s_start" = "$start" ]; do
    sleep 0.1 2>/dev/null || { sleep 1; break; }
    n=$((n + 1))
  done
  if read_stat "$pid" && [ "$s_start" = "$start" ]; then
    say present 1
    say state "$s_state"
    w=''
    { IFS= read -r w < "/proc/$pid/wchan"; } 2>/dev/null || :
    say wchan "$w"
  else
    say present 0
  fi
  finish SIGNALLED
}

main "$@" </dev/null
