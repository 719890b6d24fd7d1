package io.berth.json;

import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.PackageElement;
import javax.lang.model.element.RecordComponentElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.util.ElementFilter;
import javax.tools.Diagnostic;

/**
 * Writes, at compile time, what {@link Json} would otherwise learn from a record's annotations at
 * run time: for each record a class {@code <Outer>__<Record>__JsonShape} beside it, holding the
 * JSON names, inclusion rules, property order, key sets and the {@code @JsonValue} and
 * {@code @JsonCreator} methods in one string. Reading annotations on a cold JVM makes a proxy
 * class per annotation type, ~20 ms of a one-shot {@code berth run}; the generated class is one
 * constant. Json falls back to the annotations for a record without one, and a test holds both
 * readings equal.
 */
public final class ShapeProcessor extends AbstractProcessor {
  static final String SUFFIX = "__JsonShape";
  private static final String JACKSON = "com.fasterxml.jackson.annotation.";

  private final Set<String> written = new java.util.HashSet<>();

  @Override
  public Set<String> getSupportedAnnotationTypes() {
    return Set.of("*");
  }

  @Override
  public SourceVersion getSupportedSourceVersion() {
    return SourceVersion.latestSupported();
  }

  @Override
  public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
    for (Element e : round.getRootElements()) {
      visit(e);
    }
    return false;
  }

  private void visit(Element e) {
    if (e.getKind() == ElementKind.RECORD) {
      write((TypeElement) e);
    }
    for (Element inner : e.getEnclosedElements()) {
      if (inner instanceof TypeElement) {
        visit(inner);
      }
    }
  }

  /** The generated class's simple name: the record's binary name within its package, $ as __. */
  static String shapeName(String binaryNameInPackage) {
    return binaryNameInPackage.replace("$", "__") + SUFFIX;
  }

  private void write(TypeElement record) {
    if (!written.add(record.getQualifiedName().toString())) {
      return; // a later round may hand a record over again
    }
    PackageElement pkg = processingEnv.getElementUtils().getPackageOf(record);
    String binary = processingEnv.getElementUtils().getBinaryName(record).toString();
    String inPackage = pkg.isUnnamed() ? binary : binary.substring(pkg.getQualifiedName().length() + 1);
    String name = shapeName(inPackage);
    String include = enumValue(find(record, "JsonInclude"), "ALWAYS");
    List<String> names = new ArrayList<>();
    List<String> includes = new ArrayList<>();
    List<String> keySets = new ArrayList<>();
    List<? extends RecordComponentElement> components = record.getRecordComponents();
    List<VariableElement> fields = new ArrayList<>();
    for (VariableElement f : ElementFilter.fieldsIn(record.getEnclosedElements())) {
      if (!f.getModifiers().contains(Modifier.STATIC)) {
        fields.add(f);
      }
    }
    for (RecordComponentElement c : components) {
      VariableElement field = null;
      for (VariableElement f : fields) {
        if (f.getSimpleName().contentEquals(c.getSimpleName())) {
          field = f;
        }
      }
      if (field == null) {
        processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR, "no field for component " + c, record);
        return;
      }
      String property = stringValue(find(field, "JsonProperty"));
      names.add(property == null || property.isEmpty() ? c.getSimpleName().toString() : property);
      AnnotationMirror fieldInclude = find(field, "JsonInclude");
      includes.add(fieldInclude != null ? enumValue(fieldInclude, "ALWAYS") : include);
      keySets.add(findQualified(field, JsonKeySet.class.getName()) != null ? "1" : "0");
    }
    List<String> order = new ArrayList<>();
    AnnotationMirror po = find(record, "JsonPropertyOrder");
    if (po != null) {
      for (Map.Entry<? extends ExecutableElement, ? extends AnnotationValue> v : po.getElementValues().entrySet()) {
        if (v.getKey().getSimpleName().contentEquals("value") && v.getValue().getValue() instanceof List<?> items) {
          for (Object item : items) {
            order.add(String.valueOf(((AnnotationValue) item).getValue()));
          }
        }
      }
    }
    String value = "";
    String creator = "";
    for (ExecutableElement m : ElementFilter.methodsIn(record.getEnclosedElements())) {
      boolean isStatic = m.getModifiers().contains(Modifier.STATIC);
      boolean accessor = components.stream().anyMatch(c -> c.getSimpleName().equals(m.getSimpleName()));
      if (!isStatic && m.getParameters().isEmpty() && !accessor && find(m, "JsonValue") != null && value.isEmpty()) {
        value = m.getSimpleName().toString();
      } else if (isStatic && m.getParameters().size() == 1 && find(m, "JsonCreator") != null && creator.isEmpty()) {
        creator = m.getSimpleName().toString();
      }
    }
    if (creator.isEmpty()) {
      for (ExecutableElement c : ElementFilter.constructorsIn(record.getEnclosedElements())) {
        if (c.getParameters().size() == 1 && find(c, "JsonCreator") != null) {
          creator = "<init>";
        }
      }
    }
    String shape = String.join("\t", names) + "\n" + String.join("\t", includes) + "\n"
        + String.join("\t", keySets) + "\n" + String.join("\t", order) + "\n" + value + "\n" + creator;
    String qualified = pkg.isUnnamed() ? name : pkg.getQualifiedName() + "." + name;
    try (Writer w = processingEnv.getFiler().createSourceFile(qualified, record).openWriter()) {
      if (!pkg.isUnnamed()) {
        w.write("package " + pkg.getQualifiedName() + ";\n\n");
      }
      w.write("/** What io.berth.json.Json reads of " + binary + ": generated by ShapeProcessor. */\n");
      w.write("final class " + name + " {\n");
      w.write("  private " + name + "() {}\n\n");
      // A JSON string is a Java string literal: the same escapes (never a \\u escape of a line end).
      w.write("  static final String SHAPE = " + Json.writeString(shape) + ";\n");
      w.write("}\n");
    } catch (IOException e) {
      processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR, "cannot write " + qualified + ": " + e, record);
    }
  }

  private static AnnotationMirror find(Element e, String jacksonName) {
    return findQualified(e, JACKSON + jacksonName);
  }

  private static AnnotationMirror findQualified(Element e, String qualified) {
    for (AnnotationMirror m : e.getAnnotationMirrors()) {
      if (((TypeElement) m.getAnnotationType().asElement()).getQualifiedName().contentEquals(qualified)) {
        return m;
      }
    }
    return null;
  }

  private static String stringValue(AnnotationMirror m) {
    if (m == null) {
      return null;
    }
    for (Map.Entry<? extends ExecutableElement, ? extends AnnotationValue> v : m.getElementValues().entrySet()) {
      if (v.getKey().getSimpleName().contentEquals("value")) {
        return String.valueOf(v.getValue().getValue());
      }
    }
    return null;
  }

  private static String enumValue(AnnotationMirror m, String absent) {
    if (m == null) {
      return absent;
    }
    for (Map.Entry<? extends ExecutableElement, ? extends AnnotationValue> v : m.getElementValues().entrySet()) {
      if (v.getKey().getSimpleName().contentEquals("value") && v.getValue().getValue() instanceof VariableElement c) {
        return c.getSimpleName().toString();
      }
    }
    return "ALWAYS"; // @JsonInclude without a value: Jackson's default, ALWAYS
  }
}
