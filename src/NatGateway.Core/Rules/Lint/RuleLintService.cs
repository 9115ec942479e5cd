using Microsoft.Extensions.Options;
using NatGateway.Core.Kernel;
using NatGateway.Nat;

namespace NatGateway.Core.Rules.Lint;

/// <summary>
/// Lints the draft against the live host (<see cref="RuleLinter"/>): reads interfaces, routes and the foreign tables'
/// forward chains through <see cref="IGatewayKernel"/> (in agent mode, from <c>natgw agent</c>; all three are reads),
/// once per lint. A read that fails is reported in <see cref="LintReport.Unchecked"/> and its checks are skipped.
/// </summary>
public sealed class RuleLintService(IGatewayKernel kernel, NatRulesService rules, IOptions<LintOptions> options)
{
    public async Task<LintReport> LintDraftAsync(CancellationToken ct = default) => Lint(await rules.ListAsync(ct));

    public LintReport Lint(IReadOnlyList<NatRule> list)
    {
        if (!list.Any(r => r.Enabled)) return LintReport.Empty;
        var skipped = new List<string>();
        T? Read<T>(string what, Func<T> read) where T : class
        {
            try { return read(); }
            catch (Exception e) when (e is KernelUnavailableException or NatGateway.Nftables.NftablesException or IOException
                                          or InvalidOperationException or UnauthorizedAccessException or NotSupportedException
                                          or DllNotFoundException or NatGateway.Netlink.NetlinkException)
            {
                skipped.Add($"{what}: {e.Message}");
                return null;
            }
        }
        var host = new HostView(
            Read("interfaces (ip addr)", kernel.ListInterfaces),
            Read("routes (ip route)", kernel.ListRoutes),
            Read("foreign forward chains (nft list chains, list table)", kernel.Diagnostics.ListForeignForwardChains),
            options.Value.SnatFlowsPerDestination);
        if (host.SnatFlowsPerDestination is null && list.Any(r => r.Enabled && r is SnatRule or MasqueradeRule))
            skipped.Add("SNAT pool size: no expected flows per destination are planned (Lint:SnatFlowsPerDestination)");
        return new LintReport(RuleLinter.Lint(list, host), skipped);
    }
}
