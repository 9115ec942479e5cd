namespace NatGateway.Core.Doctor;

/// <summary>
/// One fact of a <see cref="DoctorSnapshot"/>: its value, where it came from, or why it could not be read. A check whose
/// fact is missing answers <see cref="CheckStatus.NotApplicable"/> with that reason instead of failing the report.
/// </summary>
public sealed record Fact<T>(T? Value, string Source, string? Problem = null) where T : class
{
    public bool Known => Value is not null;

    public static Fact<T> Read(string source, Func<T> read)
    {
        try { return new Fact<T>(read(), source); }
        catch (Exception e) when (e is not OperationCanceledException) { return new Fact<T>(null, source, e.Message); }
    }

    public static Fact<T> Missing(string source, string problem) => new(null, source, problem);
}
