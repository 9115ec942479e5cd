using System.Diagnostics;
using System.Net;
using System.Text;

namespace NatGateway.Benchmarks.AppScale;

/// <summary>One timed request: from sending to the last byte of the answer, and to its first byte (the headers).</summary>
internal sealed record TimedResponse(HttpStatusCode Status, double Ms, double FirstByteMs, long Bytes, bool Chunked, string Body)
{
    public bool Ok => (int)Status is >= 200 and < 300;

    /// <summary>The route or the parameter is not there on this commit (404, 405, or a 400 that names it).</summary>
    public bool EndpointMissing => Status is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed;

    public string Short => Body.Length <= 300 ? Body : Body[..300] + "…";
}

/// <summary>Requests timed end to end, the answer read to its last byte (kept only when it is small or asked for).</summary>
internal static class TimedHttp
{
    private const int KeptBodyBytes = 64 * 1024;

    public static async Task<TimedResponse> SendAsync(HttpClient http, HttpMethod method, string url, string? json = null, bool keepBody = false)
    {
        using var request = new HttpRequestMessage(method, url);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        var clock = Stopwatch.StartNew();
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var firstByte = clock.Elapsed.TotalMilliseconds;
        await using var stream = await response.Content.ReadAsStreamAsync();
        var kept = new MemoryStream();
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            if (keepBody || kept.Length < KeptBodyBytes) kept.Write(buffer, 0, read);
            total += read;
        }
        var ms = clock.Elapsed.TotalMilliseconds;
        var chunked = response.Headers.TransferEncodingChunked == true || response.Content.Headers.ContentLength is null;
        return new TimedResponse(response.StatusCode, ms, firstByte, total, chunked, Encoding.UTF8.GetString(kept.GetBuffer(), 0, (int)kept.Length));
    }

    public static Task<TimedResponse> GetAsync(HttpClient http, string url, bool keepBody = false) => SendAsync(http, HttpMethod.Get, url, null, keepBody);

    public static Task<TimedResponse> PostAsync(HttpClient http, string url, string json, bool keepBody = false) => SendAsync(http, HttpMethod.Post, url, json, keepBody);

    /// <summary>Sends and throws with the answer unless it is a success (untimed set-up steps).</summary>
    public static async Task<TimedResponse> EnsureAsync(Task<TimedResponse> request, string what)
    {
        var response = await request;
        if (!response.Ok) throw new InvalidOperationException($"{what}: HTTP {(int)response.Status} {response.Short}");
        return response;
    }
}
