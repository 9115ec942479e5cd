#!/usr/bin/python3
"""Runs a command under a unit's SystemCallFilter= and RestrictAddressFamilies=, the way systemd builds them, with
libseccomp (systemd's own dependency): where systemd cannot run the unit (no systemd as PID 1), a test still checks
that the program lives with the unit's filter.

  seccomp-exec.py --errno EPERM --filter '@system-service' --filter '~@privileged @resources' --filter sched_setaffinity \
                  --families 'AF_UNIX AF_INET AF_INET6' -- COMMAND ARGS...

Filters apply in order as in systemd.exec(5): the first, an allow list, allows @default too; a later '~' line takes
calls out, a later plain line puts them back. A socket() of another family fails with the same errno (systemd says
EAFNOSUPPORT; the program sees a refusal either way). Groups are expanded by `systemd-analyze syscall-filter`."""
import ctypes, errno, os, subprocess, sys

def expand(name, seen):
    if not name.startswith("@"):
        return {name}
    if name in seen:
        return set()
    seen.add(name)
    out = set()
    text = subprocess.run(["systemd-analyze", "syscall-filter", "--no-pager", name], check=True, capture_output=True, text=True).stdout
    for line in text.splitlines()[1:]:
        word = line.strip()
        if word and not word.startswith("#"):
            out |= expand(word, seen)
    return out

args = sys.argv[1:]
split = args.index("--")
options, command = args[:split], args[split + 1:]
filters, families, refusal = [], [], errno.EPERM
for key, value in zip(options[::2], options[1::2]):
    if key == "--filter": filters.append(value)
    elif key == "--families": families += value.split()
    elif key == "--errno": refusal = getattr(errno, value)
    else: sys.exit(f"unknown option {key}")

allowed = set()
for i, line in enumerate(filters):
    deny = line.startswith("~")
    names = set().union(*(expand(n, set()) for n in line.lstrip("~").split()))
    if i == 0:
        if deny: sys.exit("the first filter must be an allow list")
        allowed = names | expand("@default", set())
    elif deny: allowed -= names
    else: allowed |= names

lib = ctypes.CDLL("libseccomp.so.2", use_errno=True)
lib.seccomp_init.argtypes = [ctypes.c_uint32]
lib.seccomp_init.restype = ctypes.c_void_p
lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
class Cmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("datum_a", ctypes.c_uint64), ("datum_b", ctypes.c_uint64)]
lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint, ctypes.POINTER(Cmp)]
lib.seccomp_load.argtypes = [ctypes.c_void_p]
ALLOW, EQ = 0x7fff0000, 4
ctx = lib.seccomp_init(0x00050000 | refusal)  # SCMP_ACT_ERRNO(refusal) for everything not allowed
socket_nr = lib.seccomp_syscall_resolve_name(b"socket")
for name in sorted(allowed):
    nr = lib.seccomp_syscall_resolve_name(name.encode())
    if nr >= 0 and (nr != socket_nr or not families):  # names of other architectures resolve to < 0
        lib.seccomp_rule_add_array(ctx, ALLOW, nr, 0, None)
FAMILY = {"AF_UNIX": 1, "AF_INET": 2, "AF_INET6": 10, "AF_NETLINK": 16, "AF_PACKET": 17}
if "socket" in allowed:
    for family in families:
        if lib.seccomp_rule_add_array(ctx, ALLOW, socket_nr, 1, (Cmp * 1)(Cmp(0, EQ, FAMILY[family], 0))) != 0:
            sys.exit(f"cannot allow socket({family})")
if lib.seccomp_load(ctx) != 0:  # no_new_privs is set by libseccomp's default (the units have NoNewPrivileges=yes)
    sys.exit("seccomp_load failed")
os.execvp(command[0], command)
