#!/bin/sh
# whystuck collect.sh: the SSH fallback's read-only collection script.
#
# Sent on standard input to `sh -s -- MODE [ARG...]`. Nothing a user typed is
# ever part of it or of the command line: MODE is a fixed word and every ARG a
# fixed letter or a decimal integer (checked by the caller and again below).
# It only reads /proc, /sys and /dev/kmsg; it writes nothing anywhere.
#
#   scan [nokmsg]   stat of every thread; status, cgroup and PID namespace of
#                   every process; node facts; pod cgroup states; kernel log
#   cmdlines        /proc/PID/cmdline of every process, cut to 4096 bytes
#                   each as the collector cuts them (can block: guarded)
#   details KIND..  reads for tasks the caller picked from a scan:
#                     t TGID TID  wchan, and status when TID is not TGID
#                     p TGID      wchan and status of every thread of TGID
#                     s TGID TID  kernel stack (can block: guarded)
#                     c TGID TID  cgroup of one thread
#                     g TGID      stat and cgroup of every thread of TGID
#
# Output: records ended by NUL bytes. A file arrives as "PATH:CONTENT"
# (grep -azH; PATH relative to /proc or absolute), a file with NULs inside
# (cmdline) as one such record per piece; a cut cmdline's pieces are named
# "(standard input)" between "@@cut PATH" and "@@file PATH RC". Command output arrives as
# "NAME:TEXT". Records starting with "@@" are markers of this script: every
# other record starts with a path or name, so no file content can forge one.
# Errors go to standard error, one line each, as grep, ls and dd print them.

set -u
export LC_ALL=C
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH

mark() { printf '\0@@%s\0' "$*"; }
fail() { mark "fatal $*"; exit 3; }

cd /proc 2>/dev/null || fail "cannot cd /proc"
is_int() { case $1 in ''|*[!0-9]*) return 1 ;; esac; [ ${#1} -le 10 ]; }

# limit SECONDS CMD...: runs CMD, killed after SECONDS; 124 or 137 when it was.
if timeout -s KILL 5 true 2>/dev/null; then
  limit() { timeout -s KILL "$@"; }
else
  limit() {
    l_secs=$1; shift
    "$@" &
    l_pid=$!
    ( sleep "$l_secs"; kill -9 "$l_pid" ) 2>/dev/null &
    l_watch=$!
    wait "$l_pid"; l_rc=$?
    kill "$l_watch" 2>/dev/null
    return $l_rc
  }
fi

# dump: the files named on standard input (one per line), as records.
dump() { xargs -r grep -azH '' -- ; }

# guarded: like dump, for files whose read can block in the kernel (cmdline on
# the mmap lock, stack on the exec lock). Batches of 32 get 2 s; a batch that
# times out is read again file by file with 1 s each; after 8 stuck files the
# rest are skipped. "@@batch RC" ends a batch (its records count only when RC
# is not 124/137); "@@file PATH RC" ends one file; "@@skip PATH" one skipped.
hung=0
guarded_batch() {
  if [ "$hung" -ge 8 ]; then
    for g_f in "$@"; do mark "skip $g_f"; done
    return
  fi
  limit 2 grep -azH '' -- "$@"
  g_rc=$?
  mark "batch $g_rc"
  case $g_rc in 124|137) ;; *) return ;; esac
  for g_f in "$@"; do
    if [ "$hung" -ge 8 ]; then mark "skip $g_f"; continue; fi
    limit 1 grep -azH '' -- "$g_f"
    g_rc=$?
    mark "file $g_f $g_rc"
    case $g_rc in 124|137) hung=$((hung + 1)) ;; esac
  done
}
# guarded BATCH: the files named on standard input, 32 at a time, read by the
# function BATCH (guarded_batch, or cmdline_batch for command lines).
guarded() {
  g_list=''
  g_n=0
  while IFS= read -r g_path; do
    g_list="$g_list $g_path"
    g_n=$((g_n + 1))
    if [ "$g_n" -ge 32 ]; then
      # shellcheck disable=SC2086 # paths are digits and slashes only
      "$1" $g_list
      g_list=''
      g_n=0
    fi
  done
  # shellcheck disable=SC2086
  if [ "$g_n" -gt 0 ]; then "$1" $g_list; fi
}

# Command lines are cut here to CMDLINE_MAX bytes each, as the collector cuts
# them, so a process with a huge argv (up to 6 MB on Linux) costs no more than
# any other. `wc -c` sizes a batch (one read, under the same deadline); those
# that fit are read together as guarded_batch reads files; a longer one is
# read alone with head -c, between "@@cut PATH" and "@@file PATH RC", its
# pieces named "(standard input)" by grep.
CMDLINE_MAX=4096
cmdline_batch() {
  if [ "$hung" -ge 8 ]; then
    for c_f in "$@"; do mark "skip $c_f"; done
    return
  fi
  c_sizes=$(limit 2 wc -c -- "$@" 2>/dev/null)
  case $? in
    124|137)
      for c_f in "$@"; do cmdline_cut "$c_f"; done
      return ;;
  esac
  c_fits=''
  c_long=''
  # "SIZE PATH" per file that could be read (then a total): paths are digits and slashes only.
  # shellcheck disable=SC2086
  set -- $c_sizes
  while [ $# -ge 2 ]; do
    case $2 in
      */cmdline)
        if is_int "$1" && [ "$1" -le "$CMDLINE_MAX" ]; then c_fits="$c_fits $2"; else c_long="$c_long $2"; fi ;;
    esac
    shift 2
  done
  # shellcheck disable=SC2086
  if [ -n "$c_fits" ]; then guarded_batch $c_fits; fi
  for c_f in $c_long; do cmdline_cut "$c_f"; done
}
cmdline_cut() {
  if [ "$hung" -ge 8 ]; then mark "skip $1"; return; fi
  mark "cut $1"
  limit 1 sh -c 'head -c "$1" -- "$2" | grep -azH ""' sh "$CMDLINE_MAX" "$1"
  c_rc=$?
  mark "file $1 $c_rc"
  case $c_rc in 124|137) hung=$((hung + 1)) ;; esac
}

centis() { # /proc/uptime as hundredths of a second
  IFS=' ' read -r c_up c_rest < uptime
  echo "${c_up%.*}${c_up#*.}"
}

kernel_log() {
  k_err=''
  if dd if=/dev/null iflag=nonblock count=0 2>/dev/null; then
    # /dev/kmsg without blocking: one record per read(), EAGAIN at the end.
    k_tries=0
    while :; do
      printf 'kmsg:'
      { k_err=$(dd if=/dev/kmsg iflag=nonblock bs=65536 2>&1 >&3); } 3>&1
      printf '\0'
      k_tries=$((k_tries + 1))
      # Broken pipe: records were overwritten while reading; read the ring again.
      case $k_err in *'Broken pipe'*) if [ "$k_tries" -lt 3 ]; then continue; fi ;; esac
      break
    done
  elif [ -r /dev/kmsg ]; then
    # No non-blocking dd (busybox): cat blocks at the end of the ring, so it is cut after 1 s.
    printf 'kmsg:'
    { k_err=$(limit 1 cat /dev/kmsg 2>&1 >&3); } 3>&1
    printf '\0'
  else
    k_err="dd: failed to open '/dev/kmsg': Permission denied"
  fi
  printf 'kmsg-error:%s\0' "$k_err"
  case $k_err in
    *'failed to open'*)
      # Without /dev/kmsg, dmesg may still read the ring through syslog(2).
      printf 'dmesg:'
      limit 5 dmesg -r 2>/dev/null
      printf '\0'
      ;;
  esac
}

scan() {
  mark "scan 1"
  mark cpu1
  t0=$(centis)
  grep -azH '' -- stat uptime
  mark tasks
  printf '%s\n' [0-9]*/task/[0-9]*/stat | dump
  printf '%s\n' [0-9]*/status [0-9]*/cgroup | dump
  printf 'ls-ns:'
  printf '%s\n' [0-9]*/ns/pid | xargs -r ls -l --
  printf '\0'
  mark node
  grep -azH '' -- loadavg meminfo 1/mountinfo self/mountinfo \
    pressure/cpu pressure/io pressure/memory \
    sys/kernel/hostname sys/kernel/osrelease sys/kernel/version \
    sys/kernel/hung_task_timeout_secs sys/kernel/hung_task_panic sys/kernel/hung_task_warnings \
    sys/kernel/softlockup_panic sys/kernel/watchdog_thresh sys/kernel/pid_max sys/kernel/threads-max \
    sys/kernel/dmesg_restrict sys/kernel/yama/ptrace_scope sys/vm/panic_on_oom 2>/dev/null
  printf 'ls-block:'
  ls -l /sys/dev/block 2>/dev/null
  printf '\0'
  mark cgroups
  cg=/sys/fs/cgroup
  for m in cgroup.controllers unified/cgroup.controllers freezer/tasks memory/tasks; do
    if [ -e "$cg/$m" ]; then printf 'exists:%s\0' "$cg/$m"; fi
  done
  find $cg/kubepods* $cg/kubelet* $cg/*/kubepods* $cg/*/kubelet* -maxdepth 7 -type f \
    \( -name freezer.state -o -name cgroup.events -o -name cgroup.freeze \
       -o -name memory.oom_control -o -name memory.failcnt -o -name memory.limit_in_bytes \
       -o -name memory.usage_in_bytes -o -name memory.events -o -name memory.max \
       -o -name memory.current \) 2>/dev/null | dump 2>/dev/null
  if [ "${1:-}" != nokmsg ]; then
    mark kmsg
    kernel_log
  fi
  # CPU split over at least 50 ms, as the collector measures it.
  if [ $(($(centis) - t0)) -lt 5 ]; then sleep 0.05 2>/dev/null || sleep 1; fi
  mark cpu2
  grep -azH '' -- stat uptime
  mark end
}

cmdlines() {
  mark "cmdlines 1"
  printf '%s\n' [0-9]*/cmdline | guarded cmdline_batch
  mark end
}

details() {
  mark "details 1"
  d_kind=''
  d_plain=''
  d_stacks=''
  while [ $# -gt 0 ]; do
    case $1 in
      t|p|s|c|g) d_kind=$1; shift; continue ;;
    esac
    is_int "$1" || fail "bad argument"
    d_tgid=$1
    shift
    case $d_kind in
      p) for d_f in "$d_tgid"/task/[0-9]*/wchan "$d_tgid"/task/[0-9]*/status; do d_plain="$d_plain $d_f"; done
         continue ;;
      g) for d_f in "$d_tgid"/task/[0-9]*/stat "$d_tgid"/task/[0-9]*/cgroup; do d_plain="$d_plain $d_f"; done
         continue ;;
      t|s|c) ;;
      *) fail "bad argument" ;;
    esac
    { [ $# -gt 0 ] && is_int "$1"; } || fail "bad argument"
    d_tid=$1
    shift
    d_dir=$d_tgid/task/$d_tid
    case $d_kind in
      t) d_plain="$d_plain $d_dir/wchan"
         if [ "$d_tid" != "$d_tgid" ]; then d_plain="$d_plain $d_dir/status"; fi ;;
      c) d_plain="$d_plain $d_dir/cgroup" ;;
      s) d_stacks="$d_stacks $d_dir/stack" ;;
    esac
  done
  mark plain
  # shellcheck disable=SC2086 # paths are digits and slashes only
  if [ -n "$d_plain" ]; then printf '%s\n' $d_plain | dump; fi
  mark stacks
  # shellcheck disable=SC2086
  if [ -n "$d_stacks" ]; then printf '%s\n' $d_stacks | guarded guarded_batch; fi
  mark end
}

main() {
  mode=${1:-}
  if [ $# -gt 0 ]; then shift; fi
  case $mode in
    scan) scan "$@" ;;
    cmdlines) cmdlines ;;
    details) details "$@" ;;
    *) fail "unknown mode" ;;
  esac
}

# Last line: the whole script has been read from standard input before any of it runs.
main "$@" </dev/null
