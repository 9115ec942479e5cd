namespace NatGateway.Data;

/// <summary>
/// The database cannot be opened, written, migrated or trusted. <see cref="Exception.Message"/> is one line naming the
/// file and the cause, fit to print as the whole error of a command (no stack trace needed to act on it).
/// </summary>
public sealed class DatabaseUnavailableException(string path, string cause, Exception? inner = null)
    : Exception($"cannot use the database {path}: {OneLine(cause)}", inner)
{
    /// <summary>The exit code of natgw (serve and CLI) when the database is unusable.</summary>
    public const int ExitCode = 3;

    public string DatabasePath { get; } = path;
    public string Cause { get; } = OneLine(cause);

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
