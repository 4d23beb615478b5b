using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Inference.Diffusion;
using PromptLeo.Inference.Models;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Inference.Models;

public sealed class ModelPackageInstallerTests : IAsyncLifetime
{
    private const string Repository = "test-org/tiny-sd-onnx";
    private HuggingFaceStub stub = null!;
    private TinyModels models = null!;
    private ServiceProvider services = null!;

    public async Task InitializeAsync()
    {
        stub = await HuggingFaceStub.StartAsync();
        stub.AddRepository(Repository, HuggingFaceStub.WriteTinyDiffusionRepository());
        models = TinyModels.CreateEmpty();
        services = Build();
    }

    public async Task DisposeAsync()
    {
        await services.DisposeAsync();
        await stub.DisposeAsync();
        await models.DisposeAsync();
    }

    private ServiceProvider Build(long? reserveBytes = null, string? token = null) => models.BuildServices(new Dictionary<string, string?>
    {
        ["Inference:HuggingFaceBaseUrl"] = stub.BaseUrl,
        ["Inference:Device"] = "Cpu",
        ["Inference:InstallDiskReserveBytes"] = reserveBytes?.ToString(),
        ["Inference:HuggingFaceToken"] = token,
    });

    // A catalog-style entry for the tiny model: the same Diffusers() file list the real SD entries use.
    private static ModelCatalogEntry Entry(bool restricted = false) => new()
    {
        Id = "tiny-sd", DisplayName = "Tiny SD from the stub", Kind = ModelKind.Diffusion, Repository = Repository,
        Files = ModelCatalog.Diffusers(["text_encoder", "unet", "vae_decoder", "vae_encoder"], []),
        License = restricted ? "Test Non-Commercial License" : "MIT", RequiresLicenseAcceptance = restricted,
        ApproximateSizeBytes = 1_000_000, Verification = "test",
    };

    private ModelPackageInstaller Installer => services.GetRequiredService<ModelPackageInstaller>();
    private IModelRegistry Registry => services.GetRequiredService<IModelRegistry>();
    private string ModelFolder => Path.Combine(models.ModelsDirectory, "tiny-sd");

    [Fact]
    public async Task InstallAsync_CatalogDiffusionPackage_ReportsEachFileAndOverall_ThenLoadsAndGenerates()
    {
        var entry = Entry();
        var reports = new List<ModelInstallProgress>();

        var manifest = await Installer.InstallAsync(Installer.FromCatalog(entry), new SyncProgress<ModelInstallProgress>(reports.Add));

        Assert.Equal(Enumerable.Range(0, entry.Files.Count), reports.Select(r => r.FileIndex).Distinct().Order());
        Assert.All(reports, r => Assert.Equal(entry.Files.Count, r.FileCount));
        var total = manifest.Files.Sum(f => f.SizeBytes!.Value);
        Assert.Equal(total, reports[^1].OverallBytes);
        Assert.All(reports, r => Assert.Equal(total, r.OverallTotalBytes)); // sizes probed before the first byte
        Assert.Equal(ModelKind.Diffusion, manifest.Kind);
        Assert.Equal("OnnxStableDiffusionPipeline", manifest.Settings["pipeline"]);
        Assert.Equal("sd", manifest.Settings["family"]);
        Assert.Equal(25, manifest.DefaultParameters["steps"]);
        Assert.All(manifest.Files, f => Assert.Matches("^[0-9a-f]{64}$", f.Sha256!));
        Assert.StartsWith(stub.BaseUrl + "/" + Repository + "/resolve/main/", manifest.Files[0].Url);
        Assert.Equal(ModelKind.Diffusion, Registry.Get("tiny-sd")!.Manifest.Kind);
        Assert.False(Directory.Exists(Path.Combine(models.ModelsDirectory, ".downloads", "tiny-sd")));

        using (var lease = await Registry.AcquireAsync("tiny-sd"))
            Assert.Equal(ModelState.Loaded, Registry.Get("tiny-sd")!.State);
        var image = await services.GetRequiredService<IImageGenerator>().GenerateAsync(new ImageRequest
        {
            ModelId = "tiny-sd", Prompt = "a red house", Width = 64, Height = 64, Steps = 2, Seed = 3,
        });
        Assert.Equal(64, TestImages.Decode(image.Images[0].Png).Width);
    }

    [Fact]
    public async Task InstallAsync_CancelledMidDownload_LeavesNoModel_AndResumeCompletesWithRange()
    {
        var request = Installer.FromRepository("tiny-sd", Repository, Entry().Files.Select(f => f.Path).ToList());
        stub.ChunkDelayMs = 40; // the text encoder (~96 KB) then takes about a second: progress is reported every 250 ms
        using var cancel = new CancellationTokenSource();
        var progress = new SyncProgress<ModelInstallProgress>(p =>
        {
            // Stop inside the text encoder, after some but not all of its bytes.
            if (p.File == "text_encoder/model.onnx" && p.FileBytes > 0 && p.FileBytes < p.FileTotalBytes)
                cancel.Cancel();
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Installer.InstallAsync(request, progress, cancel.Token));

        Assert.False(Directory.Exists(ModelFolder));
        await Registry.RescanAsync();
        Assert.Null(Registry.Get("tiny-sd"));
        var staging = Path.Combine(models.ModelsDirectory, ".downloads", "tiny-sd");
        Assert.Single(Directory.GetFiles(staging, "*.part", SearchOption.AllDirectories));

        stub.ChunkDelayMs = 0;
        var manifest = await Installer.InstallAsync(request);

        Assert.Equal(ModelKind.Diffusion, manifest.Kind); // read from model_index.json: the request gave no kind
        Assert.Contains(stub.Requests, r => r.Method == "GET" && r.Range is { } range && range != "bytes=0-");
        Assert.Equal(1, stub.GetCount(request.Files[0].TargetPath)); // a finished file is not fetched again
        Assert.NotNull(Registry.Get("tiny-sd"));
    }

    [Fact]
    public async Task InstallAsync_OneFileHashDiffers_ClearErrorAndNothingInstalled()
    {
        stub.WrongHashFor = "unet/model.onnx";

        var error = await Assert.ThrowsAsync<ModelDownloadException>(() => Installer.InstallAsync(Installer.FromCatalog(Entry())));

        Assert.Contains("SHA-256 mismatch for unet/model.onnx", error.Message);
        Assert.Contains("nothing was installed", error.Message);
        Assert.False(Directory.Exists(ModelFolder));
        Assert.Null(Registry.Get("tiny-sd"));
        Assert.Empty(Directory.GetFiles(Path.Combine(models.ModelsDirectory, ".downloads"), "*.part", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task InstallAsync_NotEnoughDisk_FailsBeforeAnyByteIsWritten()
    {
        await using var tight = Build(reserveBytes: long.MaxValue / 4);
        var installer = tight.GetRequiredService<ModelPackageInstaller>();

        var error = await Assert.ThrowsAsync<ModelDownloadException>(() => installer.InstallAsync(installer.FromCatalog(Entry())));

        Assert.StartsWith("Not enough disk space", error.Message);
        Assert.DoesNotContain(stub.Requests, r => r.Method == "GET");
        Assert.False(Directory.Exists(Path.Combine(models.ModelsDirectory, ".downloads", "tiny-sd")));
        Assert.False(Directory.Exists(ModelFolder));
    }

    [Fact]
    public async Task InstallAsync_RestrictedLicense_RefusedWithoutAcceptance_InstalledWithIt()
    {
        var entry = Entry(restricted: true);

        await Assert.ThrowsAsync<ModelLicenseNotAcceptedException>(() => Installer.InstallAsync(Installer.FromCatalog(entry)));
        Assert.Empty(stub.Requests);

        var manifest = await Installer.InstallAsync(Installer.FromCatalog(entry, licenseAccepted: true));
        Assert.Equal("Test Non-Commercial License", manifest.License);
    }

    [Fact]
    public async Task InstallAsync_GatedRepository_NeedsTheConfiguredToken()
    {
        stub.RequiredToken = "hf_test_token";

        var error = await Assert.ThrowsAsync<ModelDownloadException>(() => Installer.InstallAsync(Installer.FromCatalog(Entry())));
        Assert.Contains("gated", error.Message);
        Assert.Contains("Inference__HuggingFaceToken", error.Message);
        Assert.DoesNotContain(stub.Requests, r => r.Method == "GET");

        await using var withToken = Build(token: "hf_test_token");
        var installer = withToken.GetRequiredService<ModelPackageInstaller>();
        var manifest = await installer.InstallAsync(installer.FromCatalog(Entry()));
        Assert.Equal(ModelKind.Diffusion, manifest.Kind);
    }

    [Fact]
    public async Task InstallAsync_RedirectToAnotherHost_TokenStaysWithTheBaseHost()
    {
        await using var cdn = await HuggingFaceStub.StartAsync();
        cdn.AddRepository(Repository, HuggingFaceStub.WriteTinyDiffusionRepository());
        stub.RequiredToken = "hf_test_token";
        stub.RedirectTo = cdn.BaseUrl.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
        await using var withToken = Build(token: "hf_test_token");
        var installer = withToken.GetRequiredService<ModelPackageInstaller>();

        var manifest = await installer.InstallAsync(installer.FromCatalog(Entry()));

        Assert.Equal(Entry().Files.Count, manifest.Files.Count);
        Assert.All(stub.Requests, r => Assert.True(r.Authorized));
        Assert.NotEmpty(cdn.Requests);
        Assert.All(cdn.Requests, r => Assert.False(r.Authorized));
    }

    [Fact]
    public async Task InstallAsync_GgufRepository_ValidatesTheFileAndDetectsChat()
    {
        var folder = Path.Combine(Path.GetTempPath(), "promptleo-tests", "hf-gguf-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        await File.WriteAllBytesAsync(Path.Combine(folder, "broken.gguf"), new byte[4096]);
        await PromptLeo.Inference.Models.Demo.DemoChatModelWriter.WriteAsync(folder, TinyModels.ChatModel("tiny-chat"));
        File.Move(Path.Combine(folder, "tiny-chat", "model.gguf"), Path.Combine(folder, "model.gguf"));
        stub.AddRepository("test-org/tiny-chat-gguf", folder);

        var error = await Assert.ThrowsAsync<ModelDownloadException>(() => Installer.InstallAsync(Installer.FromRepository("broken-chat", "test-org/tiny-chat-gguf", ["broken.gguf"])));
        Assert.Contains("not a usable GGUF model", error.Message);
        Assert.Null(Registry.Get("broken-chat"));

        var manifest = await Installer.InstallAsync(Installer.FromRepository("tiny-chat-installed", "test-org/tiny-chat-gguf", ["model.gguf"]));
        Assert.Equal(ModelKind.Chat, manifest.Kind);
        using var lease = await Registry.AcquireAsync("tiny-chat-installed");
        Assert.Equal(ModelState.Loaded, Registry.Get("tiny-chat-installed")!.State);
    }

    [Fact]
    public async Task InstallAsync_BackgroundRemovalFileInSubfolder_InstalledAsModelOnnxAndLoads()
    {
        var folder = Path.Combine(Path.GetTempPath(), "promptleo-tests", "hf-seg-" + Guid.NewGuid().ToString("N"));
        PromptLeo.Inference.Models.Demo.TinyBackgroundRemovalModelWriter.Write(Path.Combine(folder, "onnx"), "seg", inputSize: 32);
        stub.AddRepository("test-org/tiny-seg-onnx", folder);

        var manifest = await Installer.InstallAsync(Installer.FromRepository("seg-installed", "test-org/tiny-seg-onnx", ["onnx/model.onnx"], kind: ModelKind.BackgroundRemoval));

        Assert.Equal("model.onnx", manifest.Files.Single().Path);
        using var lease = await Registry.AcquireAsync("seg-installed");
        Assert.Equal(ModelState.Loaded, Registry.Get("seg-installed")!.State);
    }

    [Fact]
    public async Task InstallAsync_SecondInstallOfSameIdWhileRunning_IsRefused()
    {
        stub.ChunkDelayMs = 5;
        var first = Installer.InstallAsync(Installer.FromCatalog(Entry()));

        var error = await Assert.ThrowsAsync<ModelDownloadException>(() => Installer.InstallAsync(Installer.FromCatalog(Entry())));

        Assert.Contains("already being installed", error.Message);
        stub.ChunkDelayMs = 0;
        await first;
    }

    [Fact]
    public void Catalog_EveryEntry_HasFilesLicenseVerificationAndUniqueId()
    {
        Assert.Equal(ModelCatalog.Entries.Count, ModelCatalog.Entries.Select(e => e.Id).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(ModelCatalog.Entries, e =>
        {
            Assert.NotEmpty(e.Files);
            Assert.False(string.IsNullOrWhiteSpace(e.Verification));
            Assert.Equal(e.RequiresLicenseAcceptance, e.LicenseConditions is not null);
            Assert.Matches("^[A-Za-z0-9._-]+/[A-Za-z0-9._-]+$", e.Repository);
        });
        Assert.Contains(ModelCatalog.Entries, e => e.Id == "sdxl-turbo-onnx" && e.RequiresLicenseAcceptance && e.Files.Any(f => f.Path == "text_encoder_2/model.onnx"));
        Assert.Contains(ModelCatalog.Entries, e => e.Id == "flux.1-schnell-onnx" && !e.RequiresLicenseAcceptance && e.License == "Apache-2.0");
        Assert.All(ModelCatalog.Entries.Where(e => e.License.StartsWith("Llama", StringComparison.Ordinal)), e => Assert.True(e.RequiresLicenseAcceptance));
        Assert.All(ModelCatalog.Entries.Where(e => e.Kind == ModelKind.BackgroundRemoval), e => Assert.Equal("model.onnx", e.Files.Single().TargetPath));
        var flux = ModelCatalog.Find("flux.1-schnell-onnx")!;
        Assert.Equal(
            ["model_index.json", "scheduler/scheduler_config.json", "text_encoder/model.onnx", "text_encoder_2/backbone.onnx_data", "text_encoder_2/model.onnx",
             "tokenizer/merges.txt", "tokenizer/vocab.json", "tokenizer_2/spiece.model", "tokenizer_2/tokenizer.json", "transformer/backbone.onnx_data",
             "transformer/model.onnx", "vae_decoder/model.onnx"],
            flux.Files.Select(f => f.TargetPath).Order(StringComparer.Ordinal));
        foreach (var hardware in Enum.GetValues<ModelHardware>())
            Assert.Contains(ModelCatalog.Entries, e => e.Kind == ModelKind.Chat && e.Hardware == hardware);
    }

    [Fact]
    public void OperationsDoc_CatalogTable_ListsEveryEntryWithItsLicenseAndRestriction()
    {
        var rows = File.ReadAllLines(Path.Combine(SourceTree.Root, "docs", "operations.md")).Where(l => l.StartsWith("| `", StringComparison.Ordinal)).ToList();
        Assert.All(ModelCatalog.Entries, e =>
        {
            var row = Assert.Single(rows, r => r.StartsWith($"| `{e.Id}` |", StringComparison.Ordinal));
            var cells = row.Split('|').Select(c => c.Trim()).ToArray();
            Assert.Equal(e.License, cells[5]);
            Assert.Equal(e.RequiresLicenseAcceptance ? "yes" : "no", cells[6]);
            Assert.Equal(FormattableString.Invariant($"{e.ApproximateSizeBytes / 1e9:0.0} GB"), cells[4]);
        });
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
