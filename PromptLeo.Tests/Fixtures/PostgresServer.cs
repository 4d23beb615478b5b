using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace PromptLeo.Tests.Fixtures;

/// <summary>
/// The PostgreSQL server the Postgres-backed tests use: the one named by <c>PROMPTLEO_TEST_POSTGRES</c> (a connection string
/// of a user that may create databases), else a throwaway cluster this test run starts on loopback (initdb into a temp
/// folder, a free port) from Debian's binaries, stopped and deleted when the run ends. Never skipped: without a server
/// binary the tests fail with a message that says how to get one.
/// </summary>
public static class PostgresServer
{
    public const string ServerVariable = "PROMPTLEO_TEST_POSTGRES";
    public const string BinVariable = "PROMPTLEO_POSTGRES_BIN";

    private static readonly Lazy<string> Admin = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Connection string of the server's administrative database (<c>postgres</c>).</summary>
    public static string AdminConnectionString => Admin.Value;

    /// <summary>The same server and credentials on database <paramref name="database"/>.</summary>
    public static string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = database, Pooling = true }.ToString();

    public static void Execute(string sql)
    {
        using var connection = new NpgsqlConnection(AdminConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    /// <summary>Runs a client program of the server's version (pg_dump, pg_restore) against <paramref name="database"/>.</summary>
    public static void RunClient(string program, string database, params string[] arguments)
    {
        var server = new NpgsqlConnectionStringBuilder(AdminConnectionString);
        var target = $"host={server.Host} port={server.Port} user={server.Username} dbname={database}";
        Run(Path.Combine(FindBinaries(), program), [.. arguments, "-d", target], server.Password);
    }

    private static string Start()
    {
        if (Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } given)
        {
            return new NpgsqlConnectionStringBuilder(given) { Database = "postgres", Pooling = false }.ToString();
        }
        var bin = FindBinaries();
        var parent = Path.Combine(Path.GetTempPath(), "promptleo-postgres");
        RemoveStoppedClusters(parent);
        var root = Path.Combine(parent, Guid.NewGuid().ToString("N"));
        var data = Path.Combine(root, "data");
        Directory.CreateDirectory(data);
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            // initdb refuses to run as root: the cluster belongs to the postgres account the Debian package creates.
            Run("chown", ["-R", "postgres:", Path.GetDirectoryName(root)!, root]);
        }
        var port = LoopbackPort.Free();
        Run(asRoot, Path.Combine(bin, "initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"]);
        // Durability is pointless for a throwaway cluster; fsync off keeps the pass fast on a shared runner.
        Run(asRoot, Path.Combine(bin, "pg_ctl"), ["-D", data, "-l", Path.Combine(root, "server.log"), "-w", "-t", "60", "start", "-o",
            $"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"]);
        StopWhenThisProcessEnds(asRoot, bin, data, root);
        return new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = port, Username = "postgres", Database = "postgres", Pooling = false }.ToString();
    }

    /// <summary>
    /// A watchdog in its own session stops the cluster and deletes its folder once the test process is gone, however it
    /// ends (the runner kills the test host soon after the last test, before exit handlers can finish).
    /// </summary>
    private static void StopWhenThisProcessEnds(bool asRoot, string bin, string data, string root)
    {
        var stop = $"{(asRoot ? "runuser -u postgres -- " : "")}'{Path.Combine(bin, "pg_ctl")}' -D '{data}' -m immediate -w stop";
        var watchdog = new ProcessStartInfo("setsid")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var argument in new[] { "sh", "-c", $"while kill -0 {Environment.ProcessId} 2>/dev/null; do sleep 1; done; {stop} >/dev/null 2>&1; rm -rf '{root}'" })
        {
            watchdog.ArgumentList.Add(argument);
        }
        Process.Start(watchdog);
    }

    /// <summary>Clusters an earlier, killed run left behind: their server no longer runs (no postmaster.pid) and they are an hour old.</summary>
    private static void RemoveStoppedClusters(string parent)
    {
        if (!Directory.Exists(parent))
        {
            return;
        }
        foreach (var cluster in Directory.GetDirectories(parent)
            .Where(c => !File.Exists(Path.Combine(c, "data", "postmaster.pid")) && Directory.GetCreationTimeUtc(c) < DateTime.UtcNow.AddHours(-1)))
        {
            TryDelete(cluster);
        }
    }

    private static void TryDelete(string folder)
    {
        for (var attempt = 0; attempt < 5 && Directory.Exists(folder); attempt++)
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The server's last processes may still be writing as they exit.
                Thread.Sleep(200);
            }
        }
    }

    private static string FindBinaries()
    {
        var candidates = Environment.GetEnvironmentVariable(BinVariable) is { Length: > 0 } configured
            ? [configured]
            : Directory.Exists("/usr/lib/postgresql")
                ? Directory.GetDirectories("/usr/lib/postgresql").Select(v => Path.Combine(v, "bin")).OrderByDescending(VersionOf).ToArray()
                : [];
        return candidates.FirstOrDefault(c => File.Exists(Path.Combine(c, "initdb")))
            ?? throw new InvalidOperationException(
                $"No PostgreSQL server binaries (initdb) in /usr/lib/postgresql/*/bin: run .ci/run (it installs Debian's postgresql) or `apt-get install -y postgresql`, set {BinVariable} to the bin folder, or set {ServerVariable} to a server's connection string.");
    }

    private static int VersionOf(string bin) => int.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), out var v) ? v : 0;

    private static void Run(bool asPostgresUser, string program, string[] arguments) =>
        Run(asPostgresUser ? "runuser" : program, asPostgresUser ? ["-u", "postgres", "--", program, .. arguments] : arguments);

    private static void Run(string program, string[] arguments, string? password = null)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = Path.GetTempPath(), RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (password is not null)
        {
            start.Environment["PGPASSWORD"] = password;
        }
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        // pg_ctl leaves the server holding stdout open; read both streams without waiting for their end.
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(90)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{Path.GetFileName(program)} {string.Join(' ', arguments.Take(3))} timed out.");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(program)} failed ({process.ExitCode}): {(error.IsCompleted ? error.Result : "")} {(output.IsCompleted ? output.Result : "")}");
        }
    }
}

/// <summary>A portal's own content and key databases on <see cref="PostgresServer"/>; a second node reuses the same pair.</summary>
public sealed record PostgresDatabases(string Content, string Keys)
{
    public string ContentConnectionString => PostgresServer.ConnectionString(Content);
    public string KeyConnectionString => PostgresServer.ConnectionString(Keys);

    /// <summary>What a portal needs to run on this pair.</summary>
    public IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Database:Provider"] = "Postgres",
        ["ConnectionStrings:DefaultConnection"] = ContentConnectionString,
        ["ConnectionStrings:DataKeys"] = KeyConnectionString,
    };

    public static PostgresDatabases Create()
    {
        var name = $"promptleo_{Guid.NewGuid():N}";
        var databases = new PostgresDatabases(name, name + "_keys");
        PostgresServer.Execute($"CREATE DATABASE \"{databases.Content}\"");
        PostgresServer.Execute($"CREATE DATABASE \"{databases.Keys}\"");
        return databases;
    }

    public void Drop()
    {
        NpgsqlConnection.ClearAllPools();
        PostgresServer.Execute($"DROP DATABASE IF EXISTS \"{Content}\" WITH (FORCE)");
        PostgresServer.Execute($"DROP DATABASE IF EXISTS \"{Keys}\" WITH (FORCE)");
    }
}
