using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PromptLeo.Inference;
using PromptLeo.Inference.Models;
using PromptLeo.Inference.Models.Demo;

namespace PromptLeo.Tests.Fixtures;

/// <summary>Installs tiny diffusion models into a running portal's models folder, as an administrator's install would.</summary>
public static class PortalDiffusionModels
{
    /// <summary>Writes each model not yet there, then rescans the registry so the portal offers them.</summary>
    public static async Task InstallAsync(IServiceProvider services, params TinyDiffusionModelOptions[] models)
    {
        var directory = services.GetRequiredService<IOptions<InferenceOptions>>().Value.ModelsDirectory;
        foreach (var options in models.Where(m => !Directory.Exists(Path.Combine(directory, m.Id))))
        {
            TinyDiffusionModelWriter.Write(Path.Combine(directory, options.Id), options);
        }
        await services.GetRequiredService<IModelRegistry>().RescanAsync();
    }
}
