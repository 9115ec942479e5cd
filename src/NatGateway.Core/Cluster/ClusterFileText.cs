using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace NatGateway.Core.Cluster;

/// <summary>
/// The checks every value passes before it is written into keepalived.conf or conntrackd.conf. Both files are
/// whitespace-separated words with <c>#</c>/<c>!</c> comments, <c>{ }</c> blocks and (keepalived) quoted strings, so a
/// name with a space, a quote, a brace or a comment mark could add configuration. The configuration's values are checked
/// by the one validator (<see cref="ClusterConfigValidator"/>, run again here by <see cref="EnsureWritable"/>); the path
/// and command-word checks here guard what the writers add themselves.
/// </summary>
public static class ClusterFileText
{
    /// <summary>Node names: keepalived's router_id and the Cluster page's label. Letters, digits, '-', '_', '.'; 1..32.</summary>
    public static string? NameProblem(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 32) return "a node name is 1 to 32 characters";
        foreach (var c in name)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')) return "a node name uses letters, digits, '-', '_' and '.' only";
        return null;
    }

    /// <summary>Paths and command words: absolute-path-safe characters only (no whitespace, quotes, braces, '#', '!', ';').</summary>
    public static string? UnsafePath(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > 200) return "a path is 1 to 200 characters";
        foreach (var c in text)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '/' or '-' or '_' or '.' or '+' or '=' or ':' or '@' or ','))
                return $"'{text}' has a character a generated configuration cannot carry";
        return null;
    }

    /// <summary>Throws when <see cref="ClusterConfigValidator"/> finds a problem: the writers' last line, never the user's error message.</summary>
    public static void EnsureWritable(ClusterConfig config)
    {
        if (ClusterConfigValidator.Validate(config) is { Count: > 0 } problems)
        {
            var (field, messages) = problems.First();
            throw new ArgumentException($"{field}: {messages[0]}", nameof(config));
        }
    }

    public static string Seconds(TimeSpan interval) => interval.TotalSeconds.ToString("0.0#", CultureInfo.InvariantCulture);
}
