using NatGateway.Netlink.Netfilter;

namespace NatGateway.Nftables;

/// <summary>
/// The only door to the kernel's nftables: runs a batch as one transaction. In-process today
/// (<see cref="LibNftablesBackend"/>); can move behind IPC into a privileged helper process without changing callers.
/// </summary>
public interface INftablesBackend
{
    /// <summary>Runs commands as one transaction (<c>nft -f</c>); <paramref name="dryRun"/> = <c>nft -c</c>. Throws <see cref="NftablesException"/>.</summary>
    string Run(string commands, bool json, bool dryRun = false, bool stateless = false);

    /// <summary>
    /// Creates ct timeout objects, policy included, in <paramref name="table"/> (family inet) of the backend's namespace, in
    /// one transaction, keeping existing ones. Not through libnftables: its 1.0.6 JSON parser drops an object's policy (see
    /// <see cref="NftablesNatEngine.FirstVersionKeepingTimeoutPolicies"/>). Throws <see cref="NftablesException"/>.
    /// </summary>
    void CreateCtTimeoutObjects(string table, IReadOnlyList<CtTimeoutObject> objects);

    /// <summary>
    /// Deletes ct timeout objects from <paramref name="table"/> (family inet) in one transaction, over netlink too:
    /// libnftables 1.0.6 aborts the process on "delete ct timeout" (cmd_evaluate_delete() asserts). Throws <see cref="NftablesException"/>.
    /// </summary>
    void DeleteCtTimeoutObjects(string table, IReadOnlyList<string> names);

    /// <summary>
    /// The ruleset generation of the backend's namespace (<see cref="NatGateway.Netlink.Netfilter.NftGeneration"/>): equal
    /// readings mean no transaction was committed in between. Null where the backend cannot tell (then nothing is reused).
    /// </summary>
    uint? ReadGeneration();
}
