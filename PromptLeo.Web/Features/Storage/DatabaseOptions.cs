using System.ComponentModel.DataAnnotations;
using Npgsql;

namespace PromptLeo.Web.Features.Storage;

public enum DatabaseProvider
{
    /// <summary>Embedded files in the data folder; one node.</summary>
    Sqlite,

    /// <summary>A PostgreSQL server (Npgsql), for several portal nodes.</summary>
    Postgres,
}

/// <summary>
/// The <c>Database</c> section. The connection strings come from <c>ConnectionStrings:DefaultConnection</c> (content) and
/// <c>ConnectionStrings:DataKeys</c> (the per-user data keys), copied in at binding so that one validation sees all three.
/// </summary>
public sealed class DatabaseOptions : IValidatableObject
{
    public const string SectionName = "Database";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary><c>ConnectionStrings:DefaultConnection</c>; empty on SQLite = <c>&lt;data&gt;/promptleo.db</c>.</summary>
    public string? ContentConnection { get; set; }

    /// <summary><c>ConnectionStrings:DataKeys</c>; empty on SQLite = <c>&lt;data&gt;/keys/datakeys.db</c>.</summary>
    public string? KeyConnection { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enum.IsDefined(Provider))
        {
            yield return new ValidationResult("Database:Provider must be Sqlite or Postgres.", [nameof(Provider)]);
        }
        if (Provider != DatabaseProvider.Postgres)
        {
            yield break;
        }
        if (string.IsNullOrWhiteSpace(ContentConnection) || string.IsNullOrWhiteSpace(KeyConnection))
        {
            yield return new ValidationResult(
                "Database:Provider=Postgres needs ConnectionStrings:DefaultConnection (content) and ConnectionStrings:DataKeys (a separate key database).",
                [nameof(ContentConnection), nameof(KeyConnection)]);
            yield break;
        }
        if (Parse(ContentConnection) is not { } content || Parse(KeyConnection) is not { } keys)
        {
            yield return new ValidationResult("A PostgreSQL connection string in ConnectionStrings is malformed.", [nameof(ContentConnection), nameof(KeyConnection)]);
            yield break;
        }
        // Keys in the content database would put them into every content backup, and both contexts would share one migrations history.
        if (string.IsNullOrWhiteSpace(content.Database) || string.IsNullOrWhiteSpace(keys.Database))
        {
            yield return new ValidationResult("Both PostgreSQL connection strings must name their Database.", [nameof(ContentConnection), nameof(KeyConnection)]);
        }
        else if (string.Equals(content.Host, keys.Host, StringComparison.OrdinalIgnoreCase) && content.Port == keys.Port
            && string.Equals(content.Database, keys.Database, StringComparison.Ordinal))
        {
            yield return new ValidationResult(
                "ConnectionStrings:DataKeys must name a different PostgreSQL database than ConnectionStrings:DefaultConnection, so that content backups never hold the data keys.",
                [nameof(KeyConnection)]);
        }
    }

    private static NpgsqlConnectionStringBuilder? Parse(string connectionString)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
