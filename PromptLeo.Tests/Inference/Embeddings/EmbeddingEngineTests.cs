using System.Numerics.Tensors;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Inference.Embeddings;
using PromptLeo.Inference.Models;
using PromptLeo.Inference.Models.Demo;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Inference.Embeddings;

/// <summary>The generated demo embedding model through the real registry, loader and LLamaSharp embedder.</summary>
public sealed class EmbeddingEngineTests
{
    private static async Task<(TinyModels Models, ServiceProvider Services)> StartAsync(params DemoEmbeddingModelOptions[] models)
    {
        var tiny = TinyModels.CreateEmpty();
        foreach (var model in models.Length > 0 ? models : [new DemoEmbeddingModelOptions()])
            await DemoEmbeddingModelWriter.WriteAsync(tiny.ModelsDirectory, model);
        var services = tiny.BuildServices();
        await services.GetRequiredService<IModelRegistry>().RescanAsync();
        return (tiny, services);
    }

    [Fact]
    public async Task EmbedAsync_DemoModel_UnitVectorsOfModelSizeDeterministicAndDistinct()
    {
        var (tiny, services) = await StartAsync();
        await using var _ = tiny;
        await using var __ = services;
        var engine = services.GetRequiredService<IEmbeddingEngine>();

        var first = await engine.EmbedAsync(new EmbeddingRequest(DemoEmbeddingModelWriter.DemoModelId, ["hello world", "data privacy model"]));
        var again = await engine.EmbedAsync(new EmbeddingRequest(DemoEmbeddingModelWriter.DemoModelId, ["hello world"]));

        Assert.Equal(2, first.Vectors.Count);
        Assert.All(first.Vectors, v => Assert.Equal(64, v.Length));
        Assert.All(first.Vectors, v => Assert.Equal(1f, TensorPrimitives.Norm(v), 4));
        Assert.Equal(first.Vectors[0], again.Vectors[0]);
        Assert.True(TensorPrimitives.CosineSimilarity(first.Vectors[0], first.Vectors[1]) < 0.9999f);
        Assert.True(again.PromptTokens > 0);
        Assert.True(first.PromptTokens > again.PromptTokens);
    }

    [Fact]
    public async Task EmbedAsync_LoadedModel_PoolsAsTheFileDeclares()
    {
        var (tiny, services) = await StartAsync();
        await using var _ = tiny;
        await using var __ = services;
        using var lease = await services.GetRequiredService<IModelRegistry>().AcquireAsync(DemoEmbeddingModelWriter.DemoModelId);

        var model = Assert.IsType<GgufEmbeddingModel>(lease.Model);

        Assert.Equal(LLama.Native.LLamaPoolingType.Mean, model.Pooling);
        Assert.Equal(new EmbeddingModelInfo(64, 512, true), model.Info);
    }

    [Fact]
    public async Task EmbedAsync_MatryoshkaDimensions_PrefixRenormalized()
    {
        var (tiny, services) = await StartAsync();
        await using var _ = tiny;
        await using var __ = services;
        var engine = services.GetRequiredService<IEmbeddingEngine>();

        var full = (await engine.EmbedAsync(new EmbeddingRequest(DemoEmbeddingModelWriter.DemoModelId, ["privacy"]))).Vectors[0];
        var short16 = (await engine.EmbedAsync(new EmbeddingRequest(DemoEmbeddingModelWriter.DemoModelId, ["privacy"], 16))).Vectors[0];

        Assert.Equal(16, short16.Length);
        Assert.Equal(1f, TensorPrimitives.Norm(short16), 4);
        var prefix = full[..16];
        TensorPrimitives.Divide(prefix, TensorPrimitives.Norm(prefix), prefix);
        Assert.All(prefix.Zip(short16), p => Assert.Equal(p.First, p.Second, 4));
        var tooSmall = await Assert.ThrowsAsync<EmbeddingRequestException>(() => engine.EmbedAsync(new EmbeddingRequest(DemoEmbeddingModelWriter.DemoModelId, ["privacy"], 4)));
        Assert.Equal("dimensions", tooSmall.Field);
    }

    [Fact]
    public async Task EmbedAsync_FixedSizeModelAskedForDimensions_RefusedNamingTheField()
    {
        var (tiny, services) = await StartAsync(new DemoEmbeddingModelOptions { Id = "fixed", Matryoshka = false });
        await using var _ = tiny;
        await using var __ = services;
        var engine = services.GetRequiredService<IEmbeddingEngine>();

        var error = await Assert.ThrowsAsync<EmbeddingRequestException>(() => engine.EmbedAsync(new EmbeddingRequest("fixed", ["privacy"], 32)));
        var same = await engine.EmbedAsync(new EmbeddingRequest("fixed", ["privacy"], 64));

        Assert.Equal("dimensions", error.Field);
        Assert.Contains("not Matryoshka", error.Message);
        Assert.Equal(64, same.Vectors[0].Length);
    }

    [Fact]
    public async Task EmbedAsync_InputLongerThanTheModelReads_RefusedBeforeAnyInference()
    {
        var (tiny, services) = await StartAsync();
        await using var _ = tiny;
        await using var __ = services;
        var engine = services.GetRequiredService<IEmbeddingEngine>();
        var heard = new List<int>();

        var error = await Assert.ThrowsAsync<EmbeddingRequestException>(() =>
            engine.EmbedAsync(new EmbeddingRequest(DemoEmbeddingModelWriter.DemoModelId, ["short", new string('x', 5000)]), heard.Add));

        Assert.Equal("input", error.Field);
        Assert.Contains("Input 1", error.Message);
        Assert.Empty(heard);
    }

    [Fact]
    public async Task EmbedAsync_ChatModelId_NotFoundAsEmbeddingModel()
    {
        var tiny = await TinyModels.CreateAsync();
        await using var _ = tiny;
        await using var services = tiny.BuildServices();
        await services.GetRequiredService<IModelRegistry>().RescanAsync();

        await Assert.ThrowsAsync<ModelNotFoundException>(() =>
            services.GetRequiredService<IEmbeddingEngine>().EmbedAsync(new EmbeddingRequest("tiny-chat", ["hello"])));
    }
}
