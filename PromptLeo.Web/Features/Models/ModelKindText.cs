using Microsoft.Extensions.Localization;
using PromptLeo.Inference.Models;
using PromptLeo.Web.Resources;

namespace PromptLeo.Web.Features.Models;

/// <summary>A model kind as the reader's word (never the enum name), for the admin's model panels.</summary>
public static class ModelKindText
{
    public static string Of(ModelKind kind, IStringLocalizer<ModelsResource> text) => kind switch
    {
        ModelKind.Chat => text["Chat"],
        ModelKind.Diffusion => text["Image generation"],
        ModelKind.BackgroundRemoval => text["Background removal"],
        _ => text["Embedding"],
    };
}
