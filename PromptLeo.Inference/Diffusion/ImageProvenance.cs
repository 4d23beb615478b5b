using System.Security;

namespace PromptLeo.Inference.Diffusion;

/// <summary>IPTC digital source types PromptLeo writes into its images (NewsCodes <c>digitalsourcetype</c>).</summary>
public enum DigitalSourceType
{
    /// <summary>Every pixel was made by a trained model (text-to-image, image-to-image).</summary>
    TrainedAlgorithmicMedia,
    /// <summary>Trained-model pixels composited with the user's image (inpainting).</summary>
    CompositeWithTrainedAlgorithmicMedia,
    /// <summary>The user's pixels, altered by an algorithm without new content (background removal: only the alpha is computed).</summary>
    AlgorithmicallyEnhanced,
}

/// <summary>
/// The machine-readable AI marking (EU AI Act Art. 50(2)) every encoded image carries: an XMP packet with the IPTC
/// digital source type, the generator and the model id. It never holds the prompt, the seed, the user or a time.
/// </summary>
/// <param name="Source">What kind of AI involvement the image has.</param>
/// <param name="ModelId">The model that made it (a catalog id, no personal data), or null when unknown to the encoder.</param>
public sealed record ImageProvenance(DigitalSourceType Source, string? ModelId)
{
    /// <summary>The PNG <c>iTXt</c> keyword of an XMP packet (XMP Specification Part 3).</summary>
    public const string XmpKeyword = "XML:com.adobe.xmp";

    /// <summary>The generator named in <c>xmp:CreatorTool</c>.</summary>
    public const string Generator = "PromptLeo";

    /// <summary>The IPTC NewsCodes vocabulary the source type URIs belong to.</summary>
    public const string DigitalSourceTypeVocabulary = "http://cv.iptc.org/newscodes/digitalsourcetype/";

    /// <summary>A fully generated image.</summary>
    public static ImageProvenance Generated(string? modelId) => new(DigitalSourceType.TrainedAlgorithmicMedia, modelId);

    /// <summary>What a diffusion request makes: a composite when a mask keeps part of the user's image, else generated.</summary>
    public static ImageProvenance Of(ImageRequest request, string modelId) =>
        new(request.Mask is null ? DigitalSourceType.TrainedAlgorithmicMedia : DigitalSourceType.CompositeWithTrainedAlgorithmicMedia, modelId);

    /// <summary>The full IPTC URI, for example <c>http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia</c>.</summary>
    public string SourceTypeUri => DigitalSourceTypeVocabulary + Source switch
    {
        DigitalSourceType.TrainedAlgorithmicMedia => "trainedAlgorithmicMedia",
        DigitalSourceType.CompositeWithTrainedAlgorithmicMedia => "compositeWithTrainedAlgorithmicMedia",
        DigitalSourceType.AlgorithmicallyEnhanced => "algorithmicallyEnhanced",
        _ => throw new ArgumentOutOfRangeException(nameof(Source), Source, null),
    };

    /// <summary>The XMP packet: <c>Iptc4xmpExt:DigitalSourceType</c>, <c>xmp:CreatorTool</c> and, with a model, <c>Iptc4xmpExt:AISystemUsed</c> (IPTC 2025.1).</summary>
    public string ToXmpPacket()
    {
        var model = ModelId is { Length: > 0 } id ? $"\n    Iptc4xmpExt:AISystemUsed=\"{SecurityElement.Escape(id)}\"" : "";
        return "<?xpacket begin=\"\uFEFF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
               + "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
               + " <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
               + "  <rdf:Description rdf:about=\"\"\n"
               + "    xmlns:Iptc4xmpExt=\"http://iptc.org/std/Iptc4xmpExt/2008-02-29/\"\n"
               + "    xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n"
               + $"    Iptc4xmpExt:DigitalSourceType=\"{SourceTypeUri}\"\n"
               + $"    xmp:CreatorTool=\"{Generator}\"{model}/>\n"
               + " </rdf:RDF>\n"
               + "</x:xmpmeta>\n"
               + "<?xpacket end=\"r\"?>";
    }
}
