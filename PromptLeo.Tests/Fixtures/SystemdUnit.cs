using System.Diagnostics;

namespace PromptLeo.Tests.Fixtures;

/// <summary>
/// Starts a process the way systemd would start a simple <c>[Service]</c>: <c>WorkingDirectory=</c>, <c>ExecStart=</c>,
/// <c>Environment=</c>, <c>EnvironmentFile=</c> and <c>LoadCredential=</c> (copied into the credentials folder that
/// <c>%d</c> names). Paths go through <c>mapPath</c> so the unit runs inside a temp folder.
/// </summary>
public static class SystemdUnit
{
    public static ProcessStartInfo StartInfo(string unitFile, Func<string, string> mapPath, int port)
    {
        var settings = File.ReadAllLines(unitFile)
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#') && !l.StartsWith('[') && l.Contains('='))
            .Select(l => (Key: l[..l.IndexOf('=')], Value: l[(l.IndexOf('=') + 1)..]))
            .ToList();
        string Single(string key) => settings.Single(s => s.Key == key).Value;

        var command = mapPath(Single("ExecStart")).Replace("127.0.0.1:5080", $"127.0.0.1:{port}", StringComparison.Ordinal).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // /usr/bin/dotnet on Debian; elsewhere the dotnet on PATH.
        var executable = File.Exists(command[0]) ? command[0] : Path.GetFileName(command[0]);
        var start = PublishedApp.StartInfo(mapPath(Single("WorkingDirectory")), executable, command[1..]);
        foreach (var (key, value) in settings)
        {
            switch (key)
            {
                case "Environment":
                    Set(start, mapPath(value));
                    break;
                case "EnvironmentFile":
                    foreach (var line in File.ReadAllLines(mapPath(value)).Where(l => l.Contains('=') && !l.StartsWith('#')))
                    {
                        Set(start, line);
                    }
                    break;
                case "LoadCredential":
                    var (name, source) = (value[..value.IndexOf(':')], mapPath(value[(value.IndexOf(':') + 1)..]));
                    File.Copy(source, Path.Combine(mapPath("%d"), name));
                    break;
            }
        }
        // Not in the unit: the tiny demo models are not needed here and cost start-up time.
        start.Environment["Inference__CreateDemoModels"] = "false";
        return start;
    }

    private static void Set(ProcessStartInfo start, string assignment) =>
        start.Environment[assignment[..assignment.IndexOf('=')]] = assignment[(assignment.IndexOf('=') + 1)..];
}
