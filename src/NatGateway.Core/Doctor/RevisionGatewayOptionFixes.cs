using NatGateway.Core.Revisions;
using NatGateway.Data.Entities;

namespace NatGateway.Core.Doctor;

/// <summary>
/// The LRO and MSS-clamp fixes over the revision pipeline: each is one revision that carries the rules and settings in
/// force unchanged plus the changed interface fixes, commit-confirmed like every change (a fix that cuts the operator
/// off reverts by itself, and the revert restores LRO / drops the clamp again).
/// Errors are the pipeline's: <see cref="ArgumentException"/> for a name that is not one interface,
/// <see cref="InterfaceFixApplyException"/> when the driver refuses, <see cref="ConfirmationPendingException"/>.
/// </summary>
public sealed class RevisionGatewayOptionFixes(RevisionService revisions) : IGatewayOptionFixes
{
    public async Task<Revision> DisableLroAsync(string interfaceName, string author, TimeSpan confirmWithin, CancellationToken ct) =>
        (await revisions.ApplyOffloadsAsync(interfaceName, lroOff: true, author, confirmWithin, ct)).Revision;

    public async Task<Revision> ClampMssAsync(FixTarget target, string author, TimeSpan confirmWithin, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(target.Interface)) throw new DoctorFixRefusedException("the MSS-clamp fix names no interface");
        return (await revisions.ApplyMssClampAsync(target.Interface, clamp: true, author, confirmWithin, ct)).Revision;
    }
}
