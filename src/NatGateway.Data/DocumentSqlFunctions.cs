using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace NatGateway.Data;

/// <summary>
/// <c>natgw_sha256(text)</c>, <c>natgw_pack(text)</c> and <c>natgw_unpack(blob, length)</c> on every connection: the migration that moved the documents
/// out of the Revisions rows hashes and compresses them in SQL exactly as <see cref="DocumentCodec"/> does in C#.
/// </summary>
internal sealed class DocumentSqlFunctions : DbConnectionInterceptor
{
    public static readonly DocumentSqlFunctions Interceptor = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Register(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Register(connection);
        return Task.CompletedTask;
    }

    internal static void Register(DbConnection connection)
    {
        if (connection is not SqliteConnection sqlite) return;
        sqlite.CreateFunction("natgw_sha256", (string? text) => text is null ? null : DocumentCodec.Hash(text), isDeterministic: true);
        sqlite.CreateFunction("natgw_pack", (string? text) => text is null ? null : DocumentCodec.Pack(text), isDeterministic: true);
        sqlite.CreateFunction("natgw_unpack", (byte[]? content, int length) => content is null ? null : DocumentCodec.Unpack(content, length), isDeterministic: true);
    }
}
