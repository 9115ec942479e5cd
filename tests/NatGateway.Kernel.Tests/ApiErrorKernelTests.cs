using System.Net;
using System.Text;
using Microsoft.Data.Sqlite;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Kernel.Tests;

/// <summary>A failure inside an API request is a ProblemDetails 500, whatever the method: never the HTML error page,
/// and never /error re-executed with the original method (a PUT used to come back as 405).</summary>
public sealed class ApiErrorKernelTests
{
    [KernelFact]
    public async Task An_internal_error_in_a_put_post_or_get_is_a_problem_details_500_without_internals()
    {
        using var lab = NamespaceLab.Create();
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress);
        const string rule = """{"kind": "masquerade", "name": "out", "outInterfaces": ["wan0"], "sourceCidrs": ["10.77.1.0/24"]}""";
        using (var created = await app.Http.PostAsync("api/v1/rules", new StringContent(rule, Encoding.UTF8, "application/json")))
            created.EnsureSuccessStatusCode();

        // The table goes away under the running app: every rules request now fails inside natgw.
        using (var connection = new SqliteConnection($"Data Source={app.DatabasePath};Pooling=False"))
        {
            connection.Open();
            using var drop = connection.CreateCommand();
            drop.CommandText = "DROP TABLE NatRules";
            drop.ExecuteNonQuery();
        }

        foreach (var (method, path) in new[] { (HttpMethod.Put, $"api/v1/rules/{Guid.NewGuid()}"), (HttpMethod.Post, "api/v1/rules"), (HttpMethod.Get, "api/v1/rules") })
        {
            using var request = new HttpRequestMessage(method, path);
            if (method != HttpMethod.Get) request.Content = new StringContent(rule, Encoding.UTF8, "application/json");
            using var response = await app.Http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            var what = $"{method} {path}: {(int)response.StatusCode} {response.Content.Headers.ContentType} {body[..Math.Min(body.Length, 300)]}";
            Assert.True(response.StatusCode == HttpStatusCode.InternalServerError, what);
            Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json", what);
            Assert.DoesNotContain("<html", body, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("   at ", body);
            Assert.DoesNotContain("SqliteException", body);
        }
    }
}
