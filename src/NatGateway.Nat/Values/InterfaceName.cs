namespace NatGateway.Nat;

/// <summary>Linux interface names: 1..15 bytes (IFNAMSIZ-1), no whitespace, '/', ':' or quotes (dev_valid_name()).</summary>
public static class InterfaceName
{
    public static bool IsValid(string name) =>
        name.Length is > 0 and <= 15 && name != "." && name != ".."
        && name.All(c => c > ' ' && c < 127 && c != '/' && c != ':' && c != '"' && c != '\'' && c != '\\');
}
