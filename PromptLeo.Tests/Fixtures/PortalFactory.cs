using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;

namespace PromptLeo.Tests.Fixtures;

/// <summary>
/// The real portal with its own temporary data folder (SQLite file, key ring, mail pickup folder) per instance.
/// Use as an xUnit class fixture so each test class gets a fresh database.
/// </summary>
public class PortalFactory : WebApplicationFactory<Program>
{
    public const string AdminEmail = "admin@promptleo.test";
    public const string AdminPassword = "Admin-Passw0rd!";

    public PortalFactory()
        : this(Path.Combine(Path.GetTempPath(), "promptleo-tests", Guid.NewGuid().ToString("N")))
    {
    }

    /// <summary>A portal on an existing data folder, e.g. to simulate a restart (see <see cref="ExistingDataPortal"/>).</summary>
    protected PortalFactory(string dataDirectory) => DataDirectory = dataDirectory;

    public string DataDirectory { get; }

    /// <summary>Leave the data folder in place on dispose, so another instance can start on it.</summary>
    public bool KeepDataOnDispose { get; set; }

    public string MailDirectory => Path.Combine(DataDirectory, "mail");

    /// <summary>The portal's PostgreSQL databases when a fixture runs it on PostgreSQL (<see cref="PostgresPortal"/>); null = SQLite.</summary>
    public PostgresDatabases? Postgres { get; protected init; }

    /// <summary>Extra configuration a derived fixture wants (e.g. a region).</summary>
    protected virtual IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        // Serve package assets (_content/MudBlazor) from the build output, as `dotnet run` does; a publish copies them.
        builder.UseStaticWebAssets();
        builder.ConfigureAppConfiguration((_, config) =>
        {
            var settings = new Dictionary<string, string?>
            {
                ["Storage:DataDirectory"] = DataDirectory,
                ["Admin:Email"] = AdminEmail,
                ["Admin:Password"] = AdminPassword,
                ["Logging:LogLevel:Default"] = "Warning",
            };
            foreach (var (key, value) in Postgres?.Settings ?? new Dictionary<string, string?>())
            {
                settings[key] = value;
            }
            foreach (var (key, value) in ExtraSettings)
            {
                settings[key] = value;
            }
            config.AddInMemoryCollection(settings);
        });
    }

    public virtual HttpClient CreateBrowserLikeClient() => CreateClient(new WebApplicationFactoryClientOptions
    {
        AllowAutoRedirect = false,
        HandleCookies = true,
    });

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }
        if (disposing && !KeepDataOnDispose)
        {
            Postgres?.Drop();
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open by the host is left for the OS temp cleaner.
            }
        }
    }
}

/// <summary>The portal started again on the data folder of an earlier instance: a restart.</summary>
public sealed class ExistingDataPortal(string dataDirectory) : PortalFactory(dataDirectory);

/// <summary>
/// The portal on PostgreSQL: its own content and key databases on <see cref="PostgresServer"/>, dropped on dispose.
/// <see cref="SecondNode"/> is another node on the first one's data folder and databases.
/// </summary>
public sealed class PostgresPortal : PortalFactory
{
    public PostgresPortal() => Postgres = PostgresDatabases.Create();

    private PostgresPortal(string dataDirectory, PostgresDatabases databases)
        : base(dataDirectory) => Postgres = databases;

    /// <summary>A node on <paramref name="first"/>'s data folder and databases; whichever is disposed last without KeepDataOnDispose drops them.</summary>
    public static PostgresPortal SecondNode(PortalFactory first) =>
        new(first.DataDirectory, first.Postgres ?? throw new ArgumentException("The first node does not run on PostgreSQL.", nameof(first)));

    /// <summary>A node on <paramref name="dataDirectory"/> (its key ring) and other databases, e.g. restored from dumps.</summary>
    public static PostgresPortal On(string dataDirectory, PostgresDatabases databases) => new(dataDirectory, databases);
}
