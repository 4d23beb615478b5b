namespace PromptLeo.Web.Resources;

/// <summary>Marker for the model administration's strings (admin page and its panel). Keys are the English text.</summary>
public sealed class ModelsResource;
