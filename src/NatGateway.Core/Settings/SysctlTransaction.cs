using NatGateway.Core.Kernel;

namespace NatGateway.Core.Settings;

/// <summary>
/// Writes a set of sysctls all or nothing (<c>sysctl -w</c> for each): keys already at their value are skipped, and when
/// one write fails the keys written before it get their old values back, then <see cref="SettingsApplyException"/>
/// names the failing field. Shared by kernel settings and conntrack sizing.
/// </summary>
public static class SysctlTransaction
{
    public static List<AppliedChange> WriteAll(ISysctl sysctl, IEnumerable<(string Field, SysctlKey Key, string Value)> writes)
    {
        var done = new List<AppliedChange>();
        var undo = new Stack<(SysctlKey Key, string? Old)>();
        foreach (var (field, key, value) in writes)
        {
            try
            {
                var old = sysctl.TryRead(key);
                if (old == value) continue;
                sysctl.Write(key, value);
                undo.Push((key, old));
                // Record what the kernel really took (it rounds some values, e.g. nf_conntrack_buckets to whole pages).
                done.Add(new AppliedChange(key.Name, old, sysctl.TryRead(key) ?? value));
            }
            catch (SysctlException e)
            {
                while (undo.TryPop(out var u))
                    if (u.Old is not null)
                        try { sysctl.Write(u.Key, u.Old); } catch (SysctlException) { /* best effort: report the original failure */ }
                throw new SettingsApplyException(field, e);
            }
        }
        return done;
    }
}
