using System.Net;
using System.Text.Json;
using Bunit;
using MudBlazor;
using NatGateway.Capacity.Kernel;
using NatGateway.TestSupport;
using Xunit;
using CapacityPage = NatGateway.Web.Components.Pages.Capacity;

namespace NatGateway.Web.Tests.Capacity;

/// <summary>
/// The page, <c>natgw plan</c> and /api/v1/capacity/plan give the same numbers for the same inputs: all three read the
/// same lab gateway namespace of the running kernel (the page through a reader switched into it with setns).
/// </summary>
public sealed class CapacityAgreementTests : CapacityPageTestContext
{
    [KernelFact]
    public async Task Page_cli_and_api_agree_for_500000_entries()
    {
        using var lab = NamespaceLab.Create();
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress);

        var cli = ProcessRunner.Run("ip", ["netns", "exec", lab.Gateway, "dotnet", RepositoryPaths.NatgwDll, "plan", "--entries", "500000", "--output", "json"],
            TimeSpan.FromSeconds(180));
        Assert.True(cli.ExitCode == 0, cli.StandardError);
        using var get = await app.Http.GetAsync("api/v1/capacity/plan?entries=500000");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        using var post = await app.Http.PostAsync("api/v1/capacity/plan",
            new StringContent("""{"expectedEntries": 500000}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);

        var fromCli = JsonDocument.Parse(cli.StandardOutput).RootElement;
        var fromGet = JsonDocument.Parse(await get.Content.ReadAsStringAsync()).RootElement;
        var fromPost = JsonDocument.Parse(await post.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(fromCli.ToString(), fromGet.ToString());
        Assert.Equal(fromCli.ToString(), fromPost.ToString());

        Reader.Live = () => lab.RunIn(lab.Gateway, () => new KernelConntrackFactsReader().Read());
        var page = Render<CapacityPage>();
        var entries = page.FindComponents<MudNumericField<long>>().Single(f => f.Instance.Label == "Expected entries");
        await entries.InvokeAsync(() => entries.Instance.ValueChanged.InvokeAsync(500_000L));

        long Number(string name) => fromCli.GetProperty(name).GetInt64();
        Assert.Equal(Number("entriesMemoryBytes").ToString(), page.Find("[data-testid=entries-memory]").GetAttribute("data-bytes"));
        Assert.Equal(Number("bucketsMemoryBytes").ToString(), page.Find("[data-testid=buckets-memory]").GetAttribute("data-bytes"));
        Assert.Equal(Number("fullTableMemoryBytes").ToString(), page.Find("[data-testid=full-memory]").GetAttribute("data-bytes"));
        Assert.Equal(Number("recommendedMax").ToString("N0", System.Globalization.CultureInfo.InvariantCulture), page.Find("[data-testid=recommended-max]").TextContent);
        Assert.Equal(Number("recommendedBuckets").ToString("N0", System.Globalization.CultureInfo.InvariantCulture), page.Find("[data-testid=recommended-buckets]").TextContent);
        // The number the issue names: 500,000 entries × the per-entry cost on this kernel.
        Assert.Equal((long)Math.Round(500_000 * fromCli.GetProperty("bytesPerEntry").GetDouble()), Number("entriesMemoryBytes"));
    }
}
