namespace PromptLeo.Web.Features.Records;

/// <summary>What a processing record says about a request; the purposes the portal and API use.</summary>
public static class ProcessingPurpose
{
    public const string Chat = "chat-completion";
    public const string ImageGeneration = "image-generation";
    public const string ImageEdit = "image-edit";
    public const string BackgroundRemoval = "background-removal";

    public const string LegalBasis = "Art. 6(1)(b) GDPR";

    public static string DataCategoriesFor(string purpose) => purpose switch
    {
        Chat => "prompt text; generated text; usage metadata",
        ImageGeneration => "prompt text; generated image; usage metadata",
        ImageEdit => "uploaded image; prompt text; generated image; usage metadata",
        BackgroundRemoval => "uploaded image; generated image; usage metadata",
        _ => "usage metadata",
    };
}
