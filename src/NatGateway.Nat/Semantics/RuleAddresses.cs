namespace NatGateway.Nat;

/// <summary>Every address-bearing field of a rule with its family, for family checks and inference.</summary>
public static class RuleAddresses
{
    public static IEnumerable<(string Field, NatFamily Family)> Fields(NatRule rule)
    {
        switch (rule)
        {
            case MasqueradeRule m:
                for (var i = 0; i < m.SourceCidrs.Count; i++) yield return ($"sourceCidrs[{i}]", m.SourceCidrs[i].Family);
                break;
            case SnatRule s:
                for (var i = 0; i < s.SourceCidrs.Count; i++) yield return ($"sourceCidrs[{i}]", s.SourceCidrs[i].Family);
                for (var i = 0; i < s.DestinationCidrs.Count; i++) yield return ($"destinationCidrs[{i}]", s.DestinationCidrs[i].Family);
                yield return ("translateTo", s.TranslateTo.Family);
                break;
            case DnatRule d:
                for (var i = 0; i < d.SourceCidrs.Count; i++) yield return ($"sourceCidrs[{i}]", d.SourceCidrs[i].Family);
                if (d.DestinationAddress is not null) yield return ("destinationAddress", IpMath.FamilyOf(d.DestinationAddress));
                yield return ("targetAddress", d.TargetAddress.Family);
                break;
        }
    }

    public static IReadOnlySet<NatFamily> FamiliesUsed(NatRule rule) => Fields(rule).Select(f => f.Family).ToHashSet();
}
