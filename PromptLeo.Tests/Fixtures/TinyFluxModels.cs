using PromptLeo.Inference.Diffusion.Flux;
using PromptLeo.Inference.Models.Demo;

namespace PromptLeo.Tests.Fixtures;

/// <summary>
/// Writes tiny FLUX.1-schnell and FLUX.1-dev models (fp32 and fp16) once with the production writer and loads
/// them through the production loader. Shared by the FLUX test classes.
/// </summary>
public sealed class TinyFluxModels : IAsyncLifetime
{
    public const string SchnellId = "tiny-flux-schnell";
    public const string SchnellHalfId = "tiny-flux-schnell-fp16";
    public const string DevId = "tiny-flux-dev";
    public const string DevHalfId = "tiny-flux-dev-fp16";

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "promptleo-tests", "flux-" + Guid.NewGuid().ToString("N"));

    internal FluxModel Schnell { get; private set; } = null!;
    internal FluxModel SchnellHalf { get; private set; } = null!;
    internal FluxModel Dev { get; private set; } = null!;
    internal FluxModel DevHalf { get; private set; } = null!;

    public string PathOf(string id) => Path.Combine(Root, id);

    public async Task InitializeAsync()
    {
        Schnell = await WriteAndLoadAsync(new TinyFluxModelOptions { Id = SchnellId });
        SchnellHalf = await WriteAndLoadAsync(new TinyFluxModelOptions { Id = SchnellHalfId, Precision = TensorPrecision.Float16 });
        Dev = await WriteAndLoadAsync(new TinyFluxModelOptions { Id = DevId, Guidance = true });
        DevHalf = await WriteAndLoadAsync(new TinyFluxModelOptions { Id = DevHalfId, Guidance = true, Precision = TensorPrecision.Float16 });
    }

    /// <summary>Writes a model under <see cref="Root"/> and loads it; the caller disposes models it loads itself.</summary>
    internal async Task<FluxModel> WriteAndLoadAsync(TinyFluxModelOptions options)
    {
        var manifest = TinyFluxModelWriter.Write(PathOf(options.Id), options);
        return (FluxModel)await TinyOnnxModels.DiffusionLoader().LoadAsync(manifest, PathOf(options.Id), CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await Schnell.DisposeAsync();
        await SchnellHalf.DisposeAsync();
        await Dev.DisposeAsync();
        await DevHalf.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}

[CollectionDefinition(Name)]
public sealed class TinyFluxCollection : ICollectionFixture<TinyFluxModels>
{
    public const string Name = "TinyFlux";
}
