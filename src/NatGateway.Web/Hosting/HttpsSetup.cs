using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace NatGateway.Web.Hosting;

/// <summary>A serve option combination or certificate that cannot give working HTTPS; natgw exits with the message.</summary>
public sealed class HttpsSetupException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Optional HTTPS: https:// URLs in --urls served with a PEM certificate and key given by path.</summary>
public static class HttpsSetup
{
    public static void Configure(WebApplicationBuilder builder, ServeOptions options)
    {
        var httpsUrls = options.Urls.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Any(u => u.StartsWith("https://", StringComparison.OrdinalIgnoreCase));
        var hasCertificate = options.HttpsCertificatePath is not null || options.HttpsKeyPath is not null;
        if (!httpsUrls && !hasCertificate) return;
        if (options.HttpsCertificatePath is null || options.HttpsKeyPath is null)
            throw new HttpsSetupException(httpsUrls
                ? "an https:// URL in --urls needs --https-certificate and --https-key (PEM files)"
                : "--https-certificate and --https-key go together");
        if (!httpsUrls)
            throw new HttpsSetupException("--https-certificate is given but --urls has no https:// URL");

        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPemFile(options.HttpsCertificatePath, options.HttpsKeyPath);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new HttpsSetupException($"cannot load the HTTPS certificate {options.HttpsCertificatePath} with key {options.HttpsKeyPath}: {e.Message}", e);
        }
        // Every https:// listen URL uses it (Kestrel's default certificate; no development certificate is ever picked).
        builder.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(h => h.ServerCertificate = certificate));
    }
}
