using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace PromptLeo.Web.Features.Storage;

/// <summary>
/// Turns on SQLite's <c>secure_delete</c> for every connection: deleted rows are overwritten with zeros instead of
/// lingering in free pages, so an erased account's profile cannot be carved out of the database file.
/// </summary>
public sealed class SqliteSecureDeleteInterceptor : DbConnectionInterceptor
{
    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (connection is SqliteConnection)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA secure_delete=ON;";
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static void Apply(DbConnection connection)
    {
        if (connection is SqliteConnection)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA secure_delete=ON;";
            command.ExecuteNonQuery();
        }
    }
}
