#!/usr/bin/env python3
"""A tiny FUSE server speaking the kernel protocol over /dev/fuse (no libfuse).

Used by integration tests to create real kernel states:
  fuse_server.py MOUNTPOINT BACKING_DIR HANG_REGEX
serves BACKING_DIR read-only at MOUNTPOINT (symlinks as symlinks). A READ of any file whose relative
path matches HANG_REGEX is taken from /dev/fuse and never answered, so the
reader sits in the kernel in request_wait_answer. HANG_REGEX "*" means every
request after INIT is never answered (a `stat` below the mount blocks).
Prints READY after INIT and "HUNG <opcode> <unique> <pid> <path>" per unanswered request.
"""
import errno, os, re, stat, struct, subprocess, sys

IN_HDR = struct.Struct('<IIQQIIIHH')
OUT_HDR = struct.Struct('<IiQ')
ATTR = struct.Struct('<QQQQQQIIIIIIIIII')
LOOKUP, FORGET, GETATTR, READLINK, OPEN, READ, STATFS, RELEASE = 1, 2, 3, 5, 14, 15, 17, 18
GETXATTR, LISTXATTR, FLUSH, INIT, OPENDIR, READDIR, RELEASEDIR = 22, 23, 25, 26, 27, 28, 29
ACCESS, INTERRUPT, DESTROY, BATCH_FORGET = 34, 36, 38, 42
NO_REPLY = {FORGET, INTERRUPT, BATCH_FORGET}

mountpoint, backing, hang = sys.argv[1], sys.argv[2], sys.argv[3]
hang_all = hang == '*'
hang_re = None if hang_all else re.compile(hang)

fd = os.open('/dev/fuse', os.O_RDWR)
subprocess.run(['mount', '-t', 'fuse', '-o', f'fd={fd},rootmode=40000,user_id=0,group_id=0,allow_other',
                'whystuck-test', mountpoint], check=True, pass_fds=(fd,))

paths = {1: ''}          # nodeid -> relative path
ids = {'': 1}


def node(rel):
    if rel not in ids:
        ids[rel] = len(paths) + 1
        paths[ids[rel]] = rel
    return ids[rel]


def attr(rel):
    st = os.lstat(os.path.join(backing, rel) if rel else backing)
    mode = st.st_mode if stat.S_ISDIR(st.st_mode) else (stat.S_IFLNK | 0o777) if stat.S_ISLNK(st.st_mode) else (stat.S_IFREG | 0o444)
    return ATTR.pack(ids[rel], st.st_size, 1, 0, 0, 0, 0, 0, 0, mode, 1, 0, 0, 0, 4096, 0)


def reply(unique, err=0, body=b''):
    os.write(fd, OUT_HDR.pack(OUT_HDR.size + len(body), -err, unique) + body)


def say(line):
    sys.stdout.write(line + '\n')
    sys.stdout.flush()


handles = {}
while True:
    try:
        msg = os.read(fd, 1 << 20)
    except OSError as e:
        if e.errno in (errno.EINTR, errno.EAGAIN, errno.ENOENT):
            continue
        break  # ENODEV: unmounted or aborted
    length, op, unique, nodeid, uid, gid, pid, _, _ = IN_HDR.unpack_from(msg)
    body = msg[IN_HDR.size:length]
    rel = paths.get(nodeid, '')
    if op in NO_REPLY:
        continue
    if op == INIT:
        major, minor, readahead, flags = struct.unpack_from('<IIII', body)
        out = struct.pack('<IIIIHHIIHHII24x', 7, min(minor, 31), readahead, 0, 16, 12, 128 * 1024, 1, 32, 0, 0, 0)
        reply(unique, 0, out)
        say('READY')
        continue
    if op == DESTROY:
        reply(unique)
        break
    # hang 'statfs': only statfs is never answered (a backend whose server is gone, as df sees it).
    if hang_all or (op == READ and hang_re.search(rel)) or (op == STATFS and hang == 'statfs'):
        say(f'HUNG {op} {unique} {pid} {rel}')
        continue
    try:
        if op == LOOKUP:
            child = os.path.join(rel, body.split(b'\0')[0].decode()).lstrip('/')
            if not os.path.lexists(os.path.join(backing, child)):
                reply(unique, errno.ENOENT)
                continue
            nid = node(child)
            reply(unique, 0, struct.pack('<QQQQII', nid, 0, 1, 1, 0, 0) + attr(child))
        elif op == GETATTR:
            reply(unique, 0, struct.pack('<QII', 1, 0, 0) + attr(rel))
        elif op == READLINK:
            reply(unique, 0, os.readlink(os.path.join(backing, rel)).encode())
        elif op in (OPEN, OPENDIR):
            handles[unique] = rel
            reply(unique, 0, struct.pack('<QII', unique, 1 if op == OPEN else 0, 0))  # FOPEN_DIRECT_IO
        elif op == READ:
            _, offset, size = struct.unpack_from('<QQI', body)
            with open(os.path.join(backing, rel), 'rb') as f:
                f.seek(offset)
                reply(unique, 0, f.read(size))
        elif op == READDIR:
            _, offset, size = struct.unpack_from('<QQI', body)
            names = ['.', '..'] + sorted(os.listdir(os.path.join(backing, rel)))
            out = b''
            for i, name in enumerate(names[offset:], start=offset + 1):
                child = os.path.join(rel, name).lstrip('/') if name not in ('.', '..') else rel
                raw = name.encode()
                ent = struct.pack('<QQII', node(child), i, len(raw), 4) + raw
                ent += b'\0' * (-len(ent) % 8)
                if len(out) + len(ent) > size:
                    break
                out += ent
            reply(unique, 0, out)
        elif op == STATFS:
            reply(unique, 0, struct.pack('<QQQQQIII28x', 0, 0, 0, 0, 0, 4096, 255, 4096))
        elif op in (RELEASE, RELEASEDIR, FLUSH, ACCESS):
            reply(unique)
        elif op in (GETXATTR, LISTXATTR):
            reply(unique, errno.ENODATA if op == GETXATTR else 0, b'' if op == GETXATTR else struct.pack('<II', 0, 0))
        else:
            reply(unique, errno.ENOSYS)
    except OSError as e:
        reply(unique, e.errno or errno.EIO)
