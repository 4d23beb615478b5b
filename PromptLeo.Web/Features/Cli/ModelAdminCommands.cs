using System.Globalization;
using PromptLeo.Inference.Models;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Models;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Web.Features.Cli;

/// <summary>
/// The admin page's model actions on the command line: <c>models enable|disable|delete|check ID</c> and
/// <c>models price ID [--input EUR] [--output EUR] [--image EUR]</c>. They run in their own process, so <c>check</c>
/// loads the model here to prove it loads (the server keeps its own copy); unloading the server's copy is done on the
/// admin page. Audited with the actor <see cref="AuditActions.CommandLine"/>.
/// </summary>
public static class ModelAdminCommands
{
    public const string Usage = """
          models enable ID | models disable ID               offer a model to users, or refuse every request for it
          models price ID [--input EUR] [--output EUR] [--image EUR]
                                                            new price version (per 1M input/output tokens, per megapixel-step); others stay
          models delete ID                                  delete an installed model's folder (not a demo model while Inference:CreateDemoModels is on)
          models check ID                                   load a model in this process and report its device and memory
        """;

    public static bool Handles(string[] args) => args is ["models", "enable" or "disable" or "delete" or "check" or "price", ..];

    /// <returns>The process exit code: 0 done, 1 refused or failed, 2 wrong usage.</returns>
    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter output)
    {
        var models = services.GetRequiredService<ModelAdministration>();
        const string actor = AuditActions.CommandLine;
        try
        {
            switch (args)
            {
                case ["models", "enable" or "disable", var id]:
                    var enable = args[1] == "enable";
                    var changed = await models.SetEnabledAsync(actor, id, enable);
                    await output.WriteLineAsync($"{id} is {(enable ? "enabled" : "disabled")}{(changed ? "" : " (no change)")}.");
                    return 0;
                case ["models", "delete", var id]:
                    await models.DeleteAsync(actor, id);
                    await output.WriteLineAsync($"{id} is deleted. A running server notices at its next file check; requests in flight finish from memory.");
                    return 0;
                case ["models", "check", var id]:
                    var status = await models.LoadAsync(actor, id);
                    await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"{id} loads on {status.Device?.Device} ({status.MemoryDevice}): {status.ResidentBytes} bytes resident (estimated {status.EstimatedBytes} before loading)."));
                    return 0;
                case ["models", "price", var id, .. var rest]:
                    return await SetPriceAsync(models, id, rest, output);
                default:
                    await output.WriteLineAsync("Usage:\n" + Usage);
                    return 2;
            }
        }
        catch (Exception ex) when (ex is ModelNotFoundException or ModelInUseException or ModelLoadException or ModelAdministrationException)
        {
            await output.WriteLineAsync($"models {args[1]}: {ex.Message}");
            return 1;
        }
    }

    private static async Task<int> SetPriceAsync(ModelAdministration models, string id, string[] args, TextWriter output)
    {
        var row = (await models.ListAsync()).FirstOrDefault(r => string.Equals(r.Id, id, StringComparison.OrdinalIgnoreCase))
                  ?? throw new ModelNotFoundException(id);
        decimal? input = null, outputPrice = null, image = null;
        for (var i = 0; i < args.Length; i += 2)
        {
            if (i + 1 >= args.Length || !decimal.TryParse(args[i + 1], NumberStyles.Number, CultureInfo.InvariantCulture, out var euro) || euro < 0)
            {
                await output.WriteLineAsync($"models price: {args[i]} needs an amount in EUR of 0 or more, e.g. {args[i]} 0.25");
                return 2;
            }
            switch (args[i])
            {
                case "--input": input = euro; break;
                case "--output": outputPrice = euro; break;
                case "--image": image = euro; break;
                default:
                    await output.WriteLineAsync($"models price: unknown option {args[i]} (use --input, --output, --image).");
                    return 2;
            }
        }
        if (input is null && outputPrice is null && image is null)
        {
            await output.WriteLineAsync("models price: give at least one of --input, --output, --image.");
            return 2;
        }
        var price = await models.SetPriceAsync(AuditActions.CommandLine, row.Id,
            input ?? Money.ToEuro(row.Price.InputMicrosPerMillionTokens),
            outputPrice ?? Money.ToEuro(row.Price.OutputMicrosPerMillionTokens),
            image ?? Money.ToEuro(row.Price.ImageMicrosPerMegapixelStep));
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Price version {price.Version} for {price.ModelId}: input {Money.ToEuro(price.InputMicrosPerMillionTokens)} EUR, output {Money.ToEuro(price.OutputMicrosPerMillionTokens)} EUR per 1M tokens, image {Money.ToEuro(price.ImageMicrosPerMegapixelStep)} EUR per megapixel-step. It applies to new requests."));
        return 0;
    }
}
