using NatGateway.Core.Tests.Fakes;
using Xunit;
using Corpus = NatGateway.Kernel.Tests.ApiCorpus;

namespace NatGateway.Web.Tests.Api;

/// <summary>
/// The API fuzz corpus (fixed seed: lone surrogates, deep nesting, wrong types, huge numbers, invalid UTF-8, wrong content
/// types, mutations of a valid body) against the HA pair's endpoints in the in-process app: never a 5xx, every refusal a
/// ProblemDetails 4xx. The cluster services are the in-memory fake: what is fuzzed is natgw's parsing and refusals.
/// </summary>
public sealed class ClusterApiCorpusTests(InProcessApp app) : IClassFixture<InProcessApp>
{
    private static readonly string[] EndpointNames =
        ["PUT cluster", "PUT cluster/secret", "POST cluster/failover", "POST cluster/failback", "POST cluster/masquerade-to-snat", "POST cluster/resync"];

    public static TheoryData<string> Endpoints => new(EndpointNames);

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Malformed_requests_to_the_cluster_endpoints_get_a_4xx_problem_never_a_5xx(string endpoint)
    {
        app.Kernel.Cluster = new FakeClusterServices();
        // Seeds of their own (the kernel corpus uses 0..17, the bulk endpoints 100..103).
        var index = 200 + Array.IndexOf(EndpointNames, endpoint);
        var (method, path, corpus) = endpoint switch
        {
            "PUT cluster" => (HttpMethod.Put, "api/v1/cluster", Corpus.Body(index, NatGateway.Core.Tests.Cluster.ClusterSamples.Valid)),
            "PUT cluster/secret" => (HttpMethod.Put, "api/v1/cluster/secret", Corpus.Body(index, """{"secret": "corpus-shared-secret-0123456789abcdef"}""")),
            "POST cluster/failover" => (HttpMethod.Post, "api/v1/cluster/failover", Corpus.Body(index, """{"confirmWithinSeconds": 60}""")),
            "POST cluster/failback" => (HttpMethod.Post, "api/v1/cluster/failback", Corpus.Body(index, """{"confirmWithinSeconds": 60}""")),
            "POST cluster/masquerade-to-snat" => (HttpMethod.Post, "api/v1/cluster/masquerade-to-snat", Corpus.Body(index, "{}")),
            _ => (HttpMethod.Post, "api/v1/cluster/resync", Corpus.Body(index, "{}")),
        };
        var failures = new List<string>();
        foreach (var input in corpus)
        {
            using var request = new HttpRequestMessage(method, input.Query.Length > 0 ? $"{path}?{input.Query}" : path);
            if (input.Body is not null)
            {
                request.Content = new ByteArrayContent(input.Body);
                request.Content.Headers.ContentType = input.ContentType is null ? null : System.Net.Http.Headers.MediaTypeHeaderValue.Parse(input.ContentType);
            }
            using var response = await app.Admin.SendAsync(request);
            var status = (int)response.StatusCode;
            if (status >= 500) failures.Add($"{input}: {status} {await response.Content.ReadAsStringAsync()}");
            else if (!response.IsSuccessStatusCode && status != 414 && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                failures.Add($"{input}: {status} is not ProblemDetails");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
    }
}
