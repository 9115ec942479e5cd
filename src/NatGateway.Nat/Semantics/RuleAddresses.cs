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
            case PrefixMapRule p:
                yield return ("insidePrefix", p.InsidePrefix.Family);
                yield return ("outsidePrefix", p.OutsidePrefix.Family);
                break;
            case RedirectRule r:
                for (var i = 0; i < r.SourceCidrs.Count; i++) yield return ($"sourceCidrs[{i}]", r.SourceCidrs[i].Family);
                if (r.DestinationAddress is not null) yield return ("destinationAddress", IpMath.FamilyOf(r.DestinationAddress));
                break;
            case LoadBalanceRule l:
                for (var i = 0; i < l.SourceCidrs.Count; i++) yield return ($"sourceCidrs[{i}]", l.SourceCidrs[i].Family);
                if (l.DestinationAddress is not null) yield return ("destinationAddress", IpMath.FamilyOf(l.DestinationAddress));
                for (var i = 0; i < l.Backends.Count; i++) yield return ($"backends[{i}].address", IpMath.FamilyOf(l.Backends[i].Address));
                break;
        }
    }

    public static IReadOnlySet<NatFamily> FamiliesUsed(NatRule rule) => Fields(rule).Select(f => f.Family).ToHashSet();
}
