using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PromptLeo.Inference;
using PromptLeo.Inference.Diffusion;
using PromptLeo.Inference.Models;
using PromptLeo.Inference.Models.Demo;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.Images;
using PromptLeo.Web.Features.Models;
using PromptLeo.Web.Features.Records;

namespace PromptLeo.Tests.Web.Images;

/// <summary>The studio service with a tiny FLUX.1-schnell written into the portal's models folder: generate, store, record, meter.</summary>
public sealed class FluxStudioTests(ImagesPortalFactory factory) : IClassFixture<ImagesPortalFactory>
{
    private const string ModelId = "studio-tiny-flux";

    private ImageStudioService Studio => factory.Services.GetRequiredService<ImageStudioService>();

    private async Task AddModelAsync()
    {
        var directory = Path.Combine(factory.Services.GetRequiredService<IOptions<InferenceOptions>>().Value.ModelsDirectory, ModelId);
        if (!File.Exists(Path.Combine(directory, ModelManifestFile.FileName)))
        {
            TinyFluxModelWriter.Write(directory, new TinyFluxModelOptions { Id = ModelId });
        }

        await factory.Services.GetRequiredService<IModelRegistry>().RescanAsync();
    }

    [Fact]
    public async Task DescribeAsync_FluxInModelsFolder_ReportsFluxCapabilities()
    {
        await AddModelAsync();

        var capabilities = await factory.Services.GetRequiredService<IImageGenerator>().DescribeAsync(ModelId);

        Assert.Equal(ImageModelFamily.Flux, capabilities.Family);
        Assert.Equal(SchedulerKind.FlowMatchEuler, capabilities.DefaultScheduler);
        Assert.Equal((4, 4), (capabilities.DefaultSteps, capabilities.MaxSteps));
        Assert.False(capabilities.NegativePrompt);
    }

    [Fact]
    public async Task GenerateAsync_Flux_StoresImagesWithRecordAndUsage()
    {
        await AddModelAsync();
        var userId = await factory.CreateUserAsync();
        var steps = new List<int>();

        var result = await Studio.GenerateAsync(userId, new StudioRequest
        {
            ModelId = ModelId, Prompt = "a dog in the city", Width = 64, Height = 64, Steps = 4, Guidance = 0,
            Scheduler = SchedulerKind.FlowMatchEuler, Seed = 9, BatchCount = 2,
        }, new Sync<StudioProgress>(p => steps.Add(p.Step)));

        Assert.True(result.Stored);
        Assert.Equal([1, 2, 3, 4, 1, 2, 3, 4], steps);
        Assert.Equal([9L, 10L], result.Images.Select(i => i.Seed));
        await using var db = await factory.DbAsync();
        Assert.Equal(2, await db.GeneratedImages.CountAsync(i => i.UserId == userId && i.RequestId == result.RequestId));
        var record = await db.ProcessingRecords.SingleAsync(r => r.RequestId == result.RequestId);
        Assert.Equal((ProcessingPurpose.ImageGeneration, "completed", ModelId), (record.Purpose, record.Outcome, record.ModelId));
        Assert.Equal((2, 4), (factory.Meter.Settled[result.RequestId].ImageCount, factory.Meter.Settled[result.RequestId].Steps));
    }

    [Fact]
    public async Task DiffusionChoices_WithFluxInstalled_KeepStableDiffusionDemoAsDefault()
    {
        await AddModelAsync();

        var choices = factory.Services.GetRequiredService<ImageModelChoices>().Diffusion();

        // The studio preselects the first choice; a FLUX.1-schnell default would refuse the form's 20 steps and Euler.
        Assert.Equal(DemoModelSet.DemoDiffusionModelId, choices[0].Id);
        Assert.Contains(choices, c => c.Id == ModelId && c.DisplayName.EndsWith("Demo (random weights)", StringComparison.Ordinal));
    }

    private sealed class Sync<T>(Action<T> onReport) : IProgress<T>
    {
        public void Report(T value) => onReport(value);
    }
}
