using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Web.Features.Records;

/// <summary>What a processing record says about a request; the purposes the portal and API use.</summary>
public static class ProcessingPurpose
{
    public const string Chat = "chat-completion";
    public const string ImageGeneration = "image-generation";
    public const string ImageEdit = "image-edit";
    public const string BackgroundRemoval = "background-removal";
    public const string Embedding = "text-embedding";

    public const string LegalBasis = "Art. 6(1)(b) GDPR";

    /// <summary>The legal basis as cited in the document's language (the stored <see cref="LegalBasis"/> is the English citation).</summary>
    public static string LegalBasisText(ReportText t) => t.T(LegalBasis, "Art. 6 Abs. 1 lit. b DSGVO");

    /// <summary>The purpose code in words, for the documents that list processing records.</summary>
    public static string Name(string purpose, ReportText t) => purpose switch
    {
        Chat => t.T("Chat", "Chat"),
        ImageGeneration => t.T("Image generation", "Bilderzeugung"),
        ImageEdit => t.T("Image editing", "Bildbearbeitung"),
        BackgroundRemoval => t.T("Background removal", "Hintergrundentfernung"),
        Embedding => t.T("Embeddings", "Embeddings"),
        _ => purpose,
    };

    public static string DataCategoriesFor(string purpose) => purpose switch
    {
        Chat => "prompt text; generated text; usage metadata",
        ImageGeneration => "prompt text; generated image; usage metadata",
        ImageEdit => "uploaded image; prompt text; generated image; usage metadata",
        BackgroundRemoval => "uploaded image; generated image; usage metadata",
        Embedding => "input text; embedding vectors; usage metadata",
        _ => "usage metadata",
    };
}
