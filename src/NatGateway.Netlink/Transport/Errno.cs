namespace NatGateway.Netlink;

/// <summary>Linux errno values netlink peers report (asm-generic/errno-base.h, errno.h).
/// The enum name is the C name so messages read like the kernel's.</summary>
public enum Errno
{
    EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, ENXIO = 6, E2BIG = 7, EBADF = 9,
    EAGAIN = 11, ENOMEM = 12, EACCES = 13, EFAULT = 14, EBUSY = 16, EEXIST = 17, ENODEV = 19,
    EINVAL = 22, ENFILE = 23, EMFILE = 24, ENOSPC = 28, ERANGE = 34, ENOSYS = 38, ENOMSG = 42,
    ENODATA = 61, EPROTO = 71, EBADMSG = 74, EOVERFLOW = 75, EMSGSIZE = 90, EPROTONOSUPPORT = 93,
    EOPNOTSUPP = 95, EAFNOSUPPORT = 97, EADDRINUSE = 98, ENOBUFS = 105, ETIMEDOUT = 110,
    ECONNREFUSED = 111, EALREADY = 114, EINPROGRESS = 115,
}
