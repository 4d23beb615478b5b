using Microsoft.Extensions.Options;
using PromptLeo.Inference;
using PromptLeo.Inference.Models;
using PromptLeo.Web.Features.Accounts;
using PromptLeo.Web.Features.Models;
using PromptLeo.Web.Features.Storage;

namespace PromptLeo.Web.Features.Cli;

/// <summary>
/// Operator verbs run instead of the web server: <c>admin create --email E</c> (password at the prompt or on stdin),
/// <c>models create-demo [--overwrite]</c>, <c>models list</c>, and the admin actions in <see cref="ModelAdminCommands"/>.
/// </summary>
public static class CommandLine
{
    /// <summary>Settings that must never be passed as arguments: every user of the machine can read them with <c>ps</c>.</summary>
    public static readonly string[] SecretSettings = ["Admin:Password", "Email:Password", "Storage:KeyRingCertificatePassword", "Inference:HuggingFaceToken",
        "Payments:StripeSecretKey", "Payments:StripeWebhookSecret"];

    public static bool IsCommand(string[] args) => args.Length > 0 && args[0] is "admin" or "models";

    /// <summary>Writes why and returns true when an argument sets a secret, read exactly as the configuration would read it.</summary>
    public static bool RefusesSecretArguments(string[] args, TextWriter error)
    {
        var fromArguments = new ConfigurationBuilder().AddCommandLine(args).Build();
        var secret = SecretSettings.FirstOrDefault(key => fromArguments[key] is not null);
        if (secret is null)
        {
            return false;
        }
        var file = secret == "Admin:Password" ? " or Admin__PasswordFile (a file holding it)" : "";
        error.WriteLine($"{secret} is not accepted on the command line, where `ps` shows it to every user of the machine. " +
            $"Set the environment variable {secret.Replace(":", "__", StringComparison.Ordinal)}{file} instead.");
        return true;
    }

    /// <returns>The process exit code.</returns>
    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter output, TextReader input)
    {
        await services.InitializeDatabaseAsync();
        switch (args)
        {
            case ["admin", "create", .. var rest]:
                return await CreateAdminAsync(services, rest, output, input);
            case ["models", "create-demo", .. var rest]:
                return await CreateDemoModelsAsync(services, rest, output);
            case ["models", ..] when ModelAdminCommands.Handles(args):
                return await ModelAdminCommands.RunAsync(services, args, output);
            case ["models", "list"]:
                return await ListModelsAsync(services, output);
            case ["models", "catalog"]:
                return await ListCatalogAsync(output);
            case ["models", "install", .. var rest]:
                return await InstallModelAsync(services, rest, output);
            default:
                await output.WriteLineAsync("""
                    Usage:
                      admin create --email EMAIL                        create an administrator (asks for the password, or reads it from stdin)
                      models create-demo [--overwrite]                  write the tiny random-weight demo models into the models folder
                      models list                                       list installed models and their status
                      models catalog                                    list the catalog (real models to install)
                      models install CATALOG-ID [--accept-license]      download and install a catalog model (resumable, SHA-256 checked)
                      models install --id ID --url URL [--sha256 HEX]   install any GGUF file from a URL
                      models install --id ID --repo HF-REPO --file FILE [--file FILE ...] [--revision REV] [--kind chat|diffusion|background-removal|embedding]
                                                                        install files of a Hugging Face repository (or Inference:HuggingFaceBaseUrl)
                      models install --discard ID                       delete what a failed or cancelled install of ID left behind
                    """ + ModelAdminCommands.Usage);
                return 2;
        }
    }

    private static async Task<int> CreateAdminAsync(IServiceProvider services, string[] args, TextWriter output, TextReader input)
    {
        var email = Option(args, "--email");
        if (string.IsNullOrWhiteSpace(email))
        {
            await output.WriteLineAsync("admin create: --email is required.");
            return 2;
        }
        if (args.Contains("--password"))
        {
            await output.WriteLineAsync("admin create: --password is not accepted, because `ps` shows the command line to every user. " +
                "Type the password at the prompt or pipe it on stdin (admin create --email EMAIL < password-file).");
            return 2;
        }
        await output.WriteAsync("Password: ");
        var password = await ReadPasswordAsync(input);
        if (string.IsNullOrEmpty(password))
        {
            await output.WriteLineAsync("admin create: a password is required.");
            return 2;
        }
        await using var scope = services.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<AccountProvisioner>().CreateAdminAsync(email, password);
        if (!result.Succeeded)
        {
            foreach (var error in result.Errors)
            {
                await output.WriteLineAsync($"admin create: {error.Description}");
            }
            return 1;
        }
        await output.WriteLineAsync("Administrator ready. Log in with that e-mail address.");
        return 0;
    }

    private static async Task<int> CreateDemoModelsAsync(IServiceProvider services, string[] args, TextWriter output)
    {
        var written = await services.GetRequiredService<DemoModelSet>().WriteAllAsync(overwrite: args.Contains("--overwrite"));
        var directory = services.GetRequiredService<IOptions<InferenceOptions>>().Value.ModelsDirectory;
        foreach (var manifest in written)
        {
            await output.WriteLineAsync($"{manifest.Id}\t{manifest.Kind}\t{manifest.DisplayName}");
        }
        await output.WriteLineAsync($"Demo models (random weights) are in {directory}.");
        return 0;
    }

    private static async Task<int> ListModelsAsync(IServiceProvider services, TextWriter output)
    {
        var registry = services.GetRequiredService<IModelRegistry>();
        await registry.RescanAsync();
        var models = registry.List();
        var disabled = services.GetRequiredService<ModelAvailability>().DisabledIds();
        if (models.Count == 0)
        {
            await output.WriteLineAsync("No models installed. Run `models create-demo` for the demo models.");
        }
        foreach (var model in models)
        {
            await output.WriteLineAsync($"{model.Manifest.Id}\t{model.Manifest.Kind}\t{model.State}{(disabled.Contains(model.Manifest.Id) ? " (disabled)" : "")}\t{model.Manifest.DisplayName}{(model.Error is null ? "" : "\t" + model.Error)}");
        }
        return 0;
    }

    private static async Task<int> ListCatalogAsync(TextWriter output)
    {
        foreach (var entry in ModelCatalog.Entries)
        {
            var restricted = entry.RequiresLicenseAcceptance ? "restricted (--accept-license)" : "open";
            await output.WriteLineAsync($"{entry.Id}\t{entry.Kind}\t{entry.DisplayName}\t{entry.ApproximateSizeBytes / 1e9:0.0} GB\t{entry.License}\t{restricted}\t{entry.Repository}");
        }
        return 0;
    }

    private static async Task<int> InstallModelAsync(IServiceProvider services, string[] args, TextWriter output)
    {
        var installer = services.GetRequiredService<ModelPackageInstaller>();
        var lastReport = DateTime.MinValue;
        var progress = new SyncProgress<ModelInstallProgress>(p =>
        {
            if (DateTime.UtcNow - lastReport < TimeSpan.FromSeconds(2) && p.FileBytes != p.FileTotalBytes)
            {
                return;
            }
            lastReport = DateTime.UtcNow;
            var total = p.OverallTotalBytes is { } t ? $" of {t / 1_048_576} MiB" : "";
            output.WriteLine($"  [{p.FileIndex + 1}/{p.FileCount}] {p.File}: {p.FileBytes / 1_048_576} MiB; overall {p.OverallBytes / 1_048_576} MiB{total} ({p.BytesPerSecond / 1_048_576:F1} MiB/s)");
        });
        try
        {
            ModelManifest manifest;
            if (Option(args, "--discard") is { } discardId)
            {
                installer.DiscardStaging(discardId);
                await output.WriteLineAsync($"Discarded the partial download of {discardId}.");
                return 0;
            }
            if (args is [var catalogId, ..] && !catalogId.StartsWith("--"))
            {
                var entry = ModelCatalog.Find(catalogId);
                if (entry is null)
                {
                    await output.WriteLineAsync($"models install: '{catalogId}' is not in the catalog. See `models catalog`.");
                    return 2;
                }
                var request = installer.FromCatalog(entry, licenseAccepted: args.Contains("--accept-license"));
                if (request is { RequiresLicenseAcceptance: true, LicenseAccepted: true })
                {
                    await services.GetRequiredService<Privacy.AuditLog>().WriteAsync(Privacy.AuditActions.System, null, ModelAuditActions.LicenseAccepted,
                        $"model {entry.Id}; license {entry.License}; command line");
                }
                manifest = await installer.InstallAsync(request, progress);
            }
            else if (Option(args, "--id") is { } id && Option(args, "--url") is { } url)
            {
                if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
                {
                    await output.WriteLineAsync("models install: --url must be an absolute http(s) URL.");
                    return 2;
                }
                manifest = await services.GetRequiredService<ModelDownloader>().InstallAsync(new ModelInstallRequest
                {
                    Id = id,
                    Url = uri,
                    FileName = Path.GetFileName(uri.LocalPath),
                    Sha256 = Option(args, "--sha256"),
                });
            }
            else if (Option(args, "--id") is { } repoId && Option(args, "--repo") is { } repo && Options(args, "--file") is { Count: > 0 } files)
            {
                ModelKind? kind = Option(args, "--kind") switch
                {
                    null => null,
                    "chat" => ModelKind.Chat,
                    "diffusion" => ModelKind.Diffusion,
                    "background-removal" => ModelKind.BackgroundRemoval,
                    "embedding" => ModelKind.Embedding,
                    var other => throw new ArgumentException($"--kind {other} is not one of chat, diffusion, background-removal, embedding."),
                };
                manifest = await installer.InstallAsync(installer.FromRepository(repoId, repo, files, Option(args, "--revision") ?? "main", kind), progress);
            }
            else
            {
                await output.WriteLineAsync("models install: give a catalog id, --id with --url, or --id with --repo and --file.");
                return 2;
            }
            await output.WriteLineAsync($"Installed {manifest.Id} ({manifest.DisplayName}, {manifest.Kind}, {manifest.Files.Count} files).");
            return 0;
        }
        catch (ModelLicenseNotAcceptedException ex)
        {
            await output.WriteLineAsync($"models install: {ex.Message} Pass --accept-license to accept it.");
            return 2;
        }
        catch (ArgumentException ex)
        {
            await output.WriteLineAsync($"models install: {ex.Message}");
            return 2;
        }
        catch (ModelDownloadException ex)
        {
            await output.WriteLineAsync($"models install: {ex.Message}");
            return 1;
        }
        catch (HttpRequestException ex)
        {
            await output.WriteLineAsync($"models install: download failed: {ex.Message}");
            return 1;
        }
    }

    /// <summary>On a terminal the typed password is not echoed; redirected input (a pipe, a test) is read as a line.</summary>
    private static async Task<string?> ReadPasswordAsync(TextReader input)
    {
        if (input != Console.In || Console.IsInputRedirected)
        {
            return await input.ReadLineAsync();
        }
        var typed = new System.Text.StringBuilder();
        for (var key = Console.ReadKey(intercept: true); key.Key != ConsoleKey.Enter; key = Console.ReadKey(intercept: true))
        {
            if (key.Key == ConsoleKey.Backspace)
            {
                typed.Length = Math.Max(0, typed.Length - 1);
            }
            else if (!char.IsControl(key.KeyChar))
            {
                typed.Append(key.KeyChar);
            }
        }
        Console.WriteLine();
        return typed.ToString();
    }

    private static List<string> Options(string[] args, string name) =>
        args.Select((value, i) => (value, i)).Where(a => a.value == name && a.i + 1 < args.Length).Select(a => args[a.i + 1]).ToList();

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    private static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
