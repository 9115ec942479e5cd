using System.Globalization;

namespace NatGateway.Capacity.Kernel;

/// <summary>The running kernel's release (<c>uname -r</c>, /proc/sys/kernel/osrelease), e.g. "6.18.44-fc-v669".</summary>
public sealed record KernelVersion(int Major, int Minor, int Patch, string Release)
{
    public static KernelVersion Parse(string release)
    {
        var trimmed = release.Trim();
        var numbers = new int[3];
        var part = 0;
        foreach (var piece in trimmed.Split('.', 3))
        {
            var digits = new string(piece.TakeWhile(char.IsAsciiDigit).ToArray());
            if (digits.Length == 0) break;
            numbers[part++] = int.Parse(digits, CultureInfo.InvariantCulture);
            if (digits.Length != piece.Length || part == 3) break;
        }
        if (part < 2) throw new FormatException($"not a kernel release: '{trimmed}'");
        return new KernelVersion(numbers[0], numbers[1], numbers[2], trimmed);
    }

    public bool IsAtLeast(int major, int minor) => Major > major || (Major == major && Minor >= minor);

    public override string ToString() => Release;
}
