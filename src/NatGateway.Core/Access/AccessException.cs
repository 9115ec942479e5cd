namespace NatGateway.Core.Access;

/// <summary>A request about accounts or tokens that cannot be done; <see cref="Field"/> names the input at fault.</summary>
public sealed class AccessException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}
