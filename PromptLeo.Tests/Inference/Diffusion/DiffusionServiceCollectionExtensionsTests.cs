using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PromptLeo.Inference;
using PromptLeo.Inference.Devices;
using PromptLeo.Inference.Diffusion;
using PromptLeo.Inference.Models;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Inference.Diffusion;

[Collection(TinyOnnxCollection.Name)]
public sealed class DiffusionServiceCollectionExtensionsTests(TinyOnnxModels models)
{
    [Fact]
    public async Task AddPromptLeoInference_RegistersLoadersGeneratorAndBindsOptions()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Inference:ModelsDirectory"] = models.Root,
            ["Inference:Device"] = "Cpu",
            ["Inference:Diffusion:MaxBatchSize"] = "3",
            ["Inference:Diffusion:IntraOpThreads"] = "1",
        }).Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging()
            .AddPromptLeoInference();
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        Assert.IsType<ModelRegistry>(provider.GetRequiredService<IModelRegistry>());
        var loaders = provider.GetServices<IModelLoader>().ToList();
        Assert.Contains(loaders, l => l.Kinds.Contains(ModelKind.Diffusion));
        Assert.Contains(loaders, l => l.Kinds.Contains(ModelKind.BackgroundRemoval));
        Assert.Equal(3, provider.GetRequiredService<IOptions<DiffusionOptions>>().Value.MaxBatchSize);
        using (var selection = provider.GetRequiredService<ExecutionProviderSelector>().Select())
        {
            Assert.Equal("CPU", selection.Status.Device);
            Assert.Null(selection.Status.FallbackReason);
        }

        var generator = provider.GetRequiredService<IImageGenerator>();
        var result = await generator.GenerateAsync(new ImageRequest
        {
            ModelId = TinyOnnxModels.TextToImageId, Prompt = "a tree", Width = 64, Height = 64, Steps = 1, Seed = 3,
        });
        Assert.Single(result.Images);
        Assert.Equal(ModelState.Loaded, provider.GetRequiredService<IModelRegistry>().Get(TinyOnnxModels.TextToImageId)?.State);
    }
}
