using NatGateway.Nftables;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Nat.Tests.Kernel;

/// <summary>The out-of-process backend (nft in a child) does the same job as the in-process library.</summary>
public sealed class ProcessBackendTests
{
    [KernelFact]
    public void Applies_lists_counts_and_reports_errors_like_the_library()
    {
        using var lab = NamespaceLab.Create();
        var engine = new NftablesNatEngine(new NftProcessBackend(commandPrefix: ["ip", "netns", "exec", lab.Gateway]));
        var compiled = engine.CompileOnly([Rules.Forward(1, 8080, "10.77.2.2", 80), Rules.Masquerade(2)]);
        engine.Apply(compiled);

        Assert.Contains("jump fwd1", lab.Exec(lab.Gateway, "nft", "list", "table", "ip", "natgw").StandardOutput);
        Assert.Equal([Rules.Id(1), Rules.Id(2)], engine.ReadCounters().Keys.Order().ToArray());
        Assert.False(engine.DetectDrift(compiled).HasDrift);

        var before = lab.Exec(lab.Gateway, "nft", "-a", "list", "ruleset").StandardOutput;
        var error = Assert.Throws<NftablesException>(() => engine.Apply(compiled with { Json = compiled.Json.Replace("\"jump\":{\"target\":\"fwd1\"}", "\"jump\":{\"target\":\"missing\"}") }));
        Assert.Contains("Error", error.NftError);
        Assert.Equal(before, lab.Exec(lab.Gateway, "nft", "-a", "list", "ruleset").StandardOutput);
    }
}
