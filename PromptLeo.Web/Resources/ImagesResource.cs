namespace PromptLeo.Web.Resources;

/// <summary>Marker for the image studio's strings. Keys are the English text.</summary>
public sealed class ImagesResource;
