using NatGateway.Netlink;

namespace NatGateway.Conntrack;

/// <summary>Outcome of a batched Create/Delete: how many requests succeeded, and failures by errno
/// (e.g. EEXIST on create, ENOENT on delete of an entry already gone).</summary>
public sealed class BatchResult
{
    private readonly Dictionary<Errno, int> _failures = new();

    public int Succeeded { get; internal set; }
    public int Failed { get; internal set; }
    public IReadOnlyDictionary<Errno, int> FailuresByErrno => _failures;
    /// <summary>The first failure, with the kernel's extended-ack text when given.</summary>
    public NetlinkException? FirstError { get; private set; }

    internal void AddFailure(Errno errno, string? message)
    {
        Failed++;
        _failures[errno] = _failures.GetValueOrDefault(errno) + 1;
        FirstError ??= new NetlinkException(errno, message);
    }

    public int FailuresWith(Errno errno) => _failures.GetValueOrDefault(errno);

    public override string ToString() => $"{Succeeded} succeeded, {Failed} failed" +
        (Failed > 0 ? " (" + string.Join(", ", _failures.Select(kv => $"{kv.Key}={kv.Value}")) + ")" : "");
}
