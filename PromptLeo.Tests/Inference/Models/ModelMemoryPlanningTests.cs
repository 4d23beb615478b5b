using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PromptLeo.Inference;
using PromptLeo.Inference.Devices;
using PromptLeo.Inference.Models;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Inference.Models;

/// <summary>Memory planning with real tiny GGUF models: caps per device, room made before a load, idle unload.</summary>
public sealed class ModelMemoryPlanningTests
{
    // Identical shapes, so every one of these models has the same file size and the same measured resident size.
    private static Task<TinyModels> ThreeModelsAsync() =>
        TinyModels.CreateAsync(TinyModels.ChatModel("a"), TinyModels.ChatModel("b"), TinyModels.ChatModel("c"));

    /// <summary>The measured resident bytes and the pre-load estimate of one tiny chat model, with no cap.</summary>
    private static async Task<(long Resident, long Estimate)> MeasureAsync(TinyModels models)
    {
        await using var services = models.BuildServices();
        var registry = services.GetRequiredService<IModelRegistry>();
        var estimate = registry.Get("a")!.EstimatedBytes;
        using (await registry.AcquireAsync("a"))
        {
        }
        return (registry.Get("a")!.ResidentBytes, estimate);
    }

    private static Dictionary<string, ModelState> States(IModelRegistry registry) =>
        registry.List().ToDictionary(s => s.Manifest.Id, s => s.State);

    [Fact]
    public async Task EstimatedBytes_BeforeLoad_IsTheFileSizeOrTheManifestsDeclaredSize()
    {
        await using var models = await TinyModels.CreateAsync(TinyModels.ChatModel("a"), TinyModels.ChatModel("declared"));
        var declaredFolder = Path.Combine(models.ModelsDirectory, "declared");
        await ModelManifestFile.WriteAsync(declaredFolder, (await ModelManifestFile.ReadAsync(declaredFolder)) with { ResidentBytes = 123_456_789 });
        await using var services = models.BuildServices();
        var registry = services.GetRequiredService<IModelRegistry>();
        var fileBytes = new DirectoryInfo(Path.Combine(models.ModelsDirectory, "a")).EnumerateFiles()
            .Where(f => f.Name != ModelManifestFile.FileName).Sum(f => f.Length);

        Assert.Equal(fileBytes, registry.Get("a")!.EstimatedBytes);
        Assert.Equal(123_456_789, registry.Get("declared")!.EstimatedBytes);
        Assert.Equal((ModelState.NotLoaded, 0L), (registry.Get("a")!.State, registry.Get("a")!.ResidentBytes));
        Assert.Equal(DeviceMemory.Cpu, registry.Get("a")!.MemoryDevice);

        using (await registry.AcquireAsync("a"))
        {
            Assert.Equal(1, registry.Get("a")!.ActiveLeases);
        }
        // Measured after the load: weights plus the KV cache, more than the file.
        Assert.True(registry.Get("a")!.ResidentBytes > fileBytes);
    }

    [Fact]
    public async Task AcquireAsync_DeviceFull_UnloadsLeastRecentlyUsedIdleModelBeforeLoading()
    {
        await using var models = await ThreeModelsAsync();
        var (resident, _) = await MeasureAsync(models);
        // Room for two loaded models on the CPU.
        await using var services = models.BuildServices(new Dictionary<string, string?> { ["Inference:MaxResidentBytes"] = (2 * resident).ToString() });
        var registry = services.GetRequiredService<IModelRegistry>();
        using (await registry.AcquireAsync("a"))
        {
        }
        using (await registry.AcquireAsync("b"))
        {
        }
        using (await registry.AcquireAsync("a")) // a used again: b is now the least recently used
        {
        }

        using var c = await registry.AcquireAsync("c");

        var states = States(registry);
        Assert.Equal(ModelState.Loaded, states["a"]);
        Assert.Equal(ModelState.NotLoaded, states["b"]);
        Assert.Equal(ModelState.Loaded, states["c"]);
        Assert.True(registry.List().Sum(s => s.ResidentBytes) <= 2 * resident);
    }

    [Fact]
    public async Task AcquireAsync_OnlyLeasedModelsOnDevice_RefusedWithReasonAndLeasedModelKept()
    {
        await using var models = await ThreeModelsAsync();
        var (resident, estimate) = await MeasureAsync(models);
        // Room for one model only.
        await using var services = models.BuildServices(new Dictionary<string, string?> { ["Inference:MaxResidentBytes"] = (resident + estimate / 2).ToString() });
        var registry = services.GetRequiredService<IModelRegistry>();
        var a = await registry.AcquireAsync("a");

        var refused = await Assert.ThrowsAsync<ModelCapacityException>(() => registry.AcquireAsync("b"));

        Assert.Contains("Not enough memory on cpu for model 'b'", refused.Message);
        Assert.Contains("(a)", refused.Message); // names the model that holds the memory
        Assert.Equal(ModelState.Loaded, registry.Get("a")!.State);
        Assert.Equal((ModelState.NotLoaded, null), (registry.Get("b")!.State, registry.Get("b")!.Error)); // not a failed model

        a.Dispose();
        using var b = await registry.AcquireAsync("b");
        Assert.Equal(ModelState.NotLoaded, registry.Get("a")!.State);
        Assert.Equal(ModelState.Loaded, registry.Get("b")!.State);
    }

    [Fact]
    public async Task AcquireAsync_ModelLargerThanTheCap_RefusedNamingTheSettingAndNothingUnloaded()
    {
        await using var models = await ThreeModelsAsync();
        var (resident, estimate) = await MeasureAsync(models);
        var bigFolder = Path.Combine(models.ModelsDirectory, "c");
        await ModelManifestFile.WriteAsync(bigFolder, (await ModelManifestFile.ReadAsync(bigFolder)) with { ResidentBytes = 10 * resident });
        await using var services = models.BuildServices(new Dictionary<string, string?> { ["Inference:MaxResidentBytesPerDevice:cpu"] = (2 * resident).ToString() });
        var registry = services.GetRequiredService<IModelRegistry>();
        using (await registry.AcquireAsync("a"))
        {
        }

        var refused = await Assert.ThrowsAsync<ModelCapacityException>(() => registry.AcquireAsync("c"));

        Assert.Contains("more than the cap", refused.Message);
        Assert.Contains("Inference:MaxResidentBytesPerDevice:cpu", refused.Message);
        Assert.Equal(ModelState.Loaded, registry.Get("a")!.State);
        Assert.Equal(ModelState.NotLoaded, registry.Get("c")!.State);
        Assert.True(estimate < 2 * resident);
    }

    [Fact]
    public async Task AcquireAsync_PerDeviceCap_OverridesTheDefaultForThatDeviceOnly()
    {
        await using var models = await ThreeModelsAsync();
        var (resident, estimate) = await MeasureAsync(models);
        // The default would refuse everything; the CPU's own entry allows all three; a GPU cap does not touch the CPU.
        await using var roomy = models.BuildServices(new Dictionary<string, string?>
        {
            ["Inference:MaxResidentBytes"] = "1",
            ["Inference:MaxResidentBytesPerDevice:cpu"] = (3 * resident).ToString(),
            ["Inference:MaxResidentBytesPerDevice:cuda0"] = "1",
        });
        var registry = roomy.GetRequiredService<IModelRegistry>();
        foreach (var id in new[] { "a", "b", "c" })
        {
            using (await registry.AcquireAsync(id))
            {
            }
        }
        Assert.All(States(registry).Values, s => Assert.Equal(ModelState.Loaded, s));

        // Unlimited by default, one model's room on the CPU (key written in another case): the CPU cap applies.
        await using var tight = models.BuildServices(new Dictionary<string, string?>
        {
            ["Inference:MaxResidentBytesPerDevice:CPU"] = (resident + estimate / 2).ToString(),
        });
        var capped = tight.GetRequiredService<IModelRegistry>();
        using (await capped.AcquireAsync("a"))
        {
        }
        using (await capped.AcquireAsync("b"))
        {
        }
        Assert.Equal((ModelState.NotLoaded, ModelState.Loaded), (capped.Get("a")!.State, capped.Get("b")!.State));
    }

    [Fact]
    public async Task MemoryDevice_ChatWithGpuLayers_PlannedOnCuda0UntilTheLoadMeasuresWhereItRuns()
    {
        await using var models = await TinyModels.CreateAsync();
        await using var services = models.BuildServices(new Dictionary<string, string?> { ["Inference:Llm:GpuLayerCount"] = "8" });
        var registry = services.GetRequiredService<IModelRegistry>();

        Assert.Equal(DeviceMemory.Cuda0, registry.Get("tiny-chat")!.MemoryDevice);
        using (await registry.AcquireAsync("tiny-chat"))
        {
        }
        var loaded = registry.Get("tiny-chat")!;
        // This machine's llama.cpp has no GPU backend, so the measured device wins, also for the next load's plan.
        Assert.Equal(DeviceMemory.KeyOf(loaded.Device!), loaded.MemoryDevice);
        await registry.UnloadAsync("tiny-chat");
        Assert.Equal(loaded.MemoryDevice, registry.Get("tiny-chat")!.MemoryDevice);
    }

    [Theory]
    [InlineData("cuda0", "cuda:0")]
    [InlineData("CUDA-0", "cuda:0")]
    [InlineData("Cpu", "cpu")]
    public void MaxResidentBytesFor_ConfigKeyWithoutColon_MatchesDevicePool(string configKey, string device)
    {
        var options = new InferenceOptions { MaxResidentBytes = 5, MaxResidentBytesPerDevice = { [configKey] = 42 } };

        Assert.Equal(42, options.MaxResidentBytesFor(device));
        Assert.Equal(5, options.MaxResidentBytesFor(device == "cpu" ? "cuda:1" : "cpu"));
    }

    [Theory]
    [InlineData("CPU", "cpu")]
    [InlineData("CUDA:0", "cuda:0")]
    [InlineData("CUDA:1", "cuda:1")]
    [InlineData("GPU (20 layers offloaded)", "cuda:0")]
    public void KeyOf_DeviceStatusName_IsItsMemoryPool(string device, string pool) =>
        Assert.Equal(pool, DeviceMemory.KeyOf(new DeviceStatus(device)));

    [Fact]
    public async Task IdleUnloader_ModelUnusedForTheIdleTime_UnloadedButLeasedModelKept()
    {
        await using var models = await TinyModels.CreateAsync(TinyModels.ChatModel("a"), TinyModels.ChatModel("b"));
        await using var services = models.BuildServices(new Dictionary<string, string?> { ["Inference:IdleUnloadSeconds"] = "1" });
        var registry = services.GetRequiredService<IModelRegistry>();
        var hosted = services.GetServices<IHostedService>().ToList();
        foreach (var service in hosted)
            await service.StartAsync(CancellationToken.None);
        try
        {
            using (await registry.AcquireAsync("a"))
            {
            }
            using var b = await registry.AcquireAsync("b");
            var started = DateTime.UtcNow;

            while (registry.Get("a")!.State == ModelState.Loaded && DateTime.UtcNow - started < TimeSpan.FromSeconds(20))
                await Task.Delay(100);
            // b has been held for longer than the idle time by now.
            await Task.Delay(TimeSpan.FromSeconds(1.5));

            Assert.Equal(ModelState.NotLoaded, registry.Get("a")!.State);
            Assert.True(DateTime.UtcNow - started >= TimeSpan.FromSeconds(1));
            Assert.Equal(ModelState.Loaded, registry.Get("b")!.State);
        }
        finally
        {
            foreach (var service in hosted)
                await service.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task UnloadIdleAsync_UsedWithinTheIdleTime_KeepsTheModel()
    {
        await using var models = await TinyModels.CreateAsync();
        await using var services = models.BuildServices();
        var registry = services.GetRequiredService<ModelRegistry>();
        using (await registry.AcquireAsync("tiny-chat"))
        {
        }

        Assert.Equal(0, await registry.UnloadIdleAsync(TimeSpan.FromMinutes(5)));
        Assert.Equal(ModelState.Loaded, registry.Get("tiny-chat")!.State);
        Assert.Equal(1, await registry.UnloadIdleAsync(TimeSpan.Zero));
        Assert.Equal(ModelState.NotLoaded, registry.Get("tiny-chat")!.State);
    }

    [Fact]
    public async Task UnloadAsync_WhileLeased_RefusedThenUnloads()
    {
        await using var models = await TinyModels.CreateAsync();
        await using var services = models.BuildServices();
        var registry = services.GetRequiredService<IModelRegistry>();
        var lease = await registry.AcquireAsync("tiny-chat");

        var refused = await Assert.ThrowsAsync<ModelInUseException>(() => registry.UnloadAsync("tiny-chat"));
        Assert.Equal(1, refused.Requests);
        Assert.Equal(ModelState.Loaded, registry.Get("tiny-chat")!.State);

        lease.Dispose();
        Assert.True(await registry.UnloadAsync("tiny-chat"));
        Assert.False(await registry.UnloadAsync("tiny-chat"));
        Assert.Equal(ModelState.NotLoaded, registry.Get("tiny-chat")!.State);
        await Assert.ThrowsAsync<ModelNotFoundException>(() => registry.UnloadAsync("missing"));
    }

    [Fact]
    public async Task DeleteAsync_WhileLeased_RefusedAndKept_AfterRelease_FolderGoneAndNotListed()
    {
        await using var models = await TinyModels.CreateAsync(TinyModels.ChatModel("a"), TinyModels.ChatModel("b"));
        await using var services = models.BuildServices();
        var registry = services.GetRequiredService<IModelRegistry>();
        var lease = await registry.AcquireAsync("a");
        var folder = Path.Combine(models.ModelsDirectory, "a");

        await Assert.ThrowsAsync<ModelInUseException>(() => registry.DeleteAsync("a"));
        Assert.True(Directory.Exists(folder));
        Assert.Equal(ModelState.Loaded, registry.Get("a")!.State);

        lease.Dispose();
        await registry.DeleteAsync("A"); // ids ignore case, as everywhere in the registry
        await registry.RescanAsync();

        Assert.False(Directory.Exists(folder));
        Assert.Null(registry.Get("a"));
        Assert.Equal(["b"], registry.List().Select(s => s.Manifest.Id));
        Assert.Equal(["b"], Directory.EnumerateDirectories(models.ModelsDirectory).Select(Path.GetFileName)); // no leftover dot-folder
        await Assert.ThrowsAsync<ModelNotFoundException>(() => registry.AcquireAsync("a"));
    }

    [Fact]
    public async Task DeleteAsync_LinkedModelFolder_RemovesTheLinkNotTheTarget()
    {
        await using var models = TinyModels.CreateEmpty();
        await using var elsewhere = await TinyModels.CreateAsync(TinyModels.ChatModel("shared"));
        var target = Path.Combine(elsewhere.ModelsDirectory, "shared");
        Directory.CreateSymbolicLink(Path.Combine(models.ModelsDirectory, "shared"), target);
        await using var services = models.BuildServices();
        var registry = services.GetRequiredService<IModelRegistry>();
        Assert.NotNull(registry.Get("shared"));

        await registry.DeleteAsync("shared");

        Assert.Empty(Directory.EnumerateFileSystemEntries(models.ModelsDirectory));
        Assert.True(File.Exists(Path.Combine(target, ModelManifestFile.FileName)));
    }
}
