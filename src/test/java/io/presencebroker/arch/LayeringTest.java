package io.presencebroker.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import java.util.List;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.Test;

/**
 * The house, by capability (docs/architecture.md):
 * <ul>
 * <li>one package per flow: {@code lifecycle}, {@code delivery}, {@code announce}, {@code api};</li>
 * <li>under them a shared base that imports no flow: {@code config}, {@code sqs}, {@code store}, {@code failure},
 * {@code health}, {@code metrics}, {@code json}, {@code mqtt}, {@code routes}, {@code rate};</li>
 * <li>over them the tools ({@code check}, {@code replay}) and the application ({@code io.presencebroker} itself: the
 * command line and the configurations that assemble the flows), which nothing below imports;</li>
 * <li>{@code local}, the embedded development servers, which no production class imports.</li>
 * </ul>
 * No flow imports another, and no package depends on itself through others (no cycle).
 */
class LayeringTest {

    static final String ROOT = "io.presencebroker";
    static final List<String> FLOWS = List.of("lifecycle", "delivery", "announce", "api");
    static final String[] BASE = packages("config", "sqs", "store", "failure", "health", "metrics", "json", "mqtt",
            "routes", "rate");

    final JavaClasses classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(ROOT);

    static String[] packages(String... names) {
        return java.util.Arrays.stream(names).map(n -> ROOT + "." + n + "..").toArray(String[]::new);
    }

    @Test
    void theSharedBaseImportsNoFlowNoToolAndNotTheApplication() {
        noClasses().that().resideInAnyPackage(BASE)
                .should().dependOnClassesThat().resideInAnyPackage(packages("lifecycle", "delivery", "announce", "api",
                        "check", "replay", "local"))
                .orShould().dependOnClassesThat().resideInAPackage(ROOT)
                .check(classes);
    }

    @Test
    void noFlowImportsAnotherFlowAToolOrTheApplication() {
        for (String flow : FLOWS) {
            List<String> others = FLOWS.stream().filter(f -> !f.equals(flow)).toList();
            noClasses().that().resideInAPackage(ROOT + "." + flow + "..")
                    .should().dependOnClassesThat().resideInAnyPackage(
                            packages(java.util.stream.Stream.concat(others.stream(), java.util.stream.Stream.of(
                                    "check", "replay", "local")).toArray(String[]::new)))
                    .orShould().dependOnClassesThat().resideInAPackage(ROOT)
                    .because("a flow is read, changed and switched off on its own; what two flows share is the base's")
                    .check(classes);
        }
    }

    @Test
    void noProductionClassImportsTheEmbeddedServers() {
        noClasses().that().resideOutsideOfPackage(ROOT + ".local..")
                .should().dependOnClassesThat().resideInAPackage(ROOT + ".local..")
                .check(classes);
    }

    @Test
    void noPackageDependsOnItselfThroughOthers() {
        slices().assignedFrom(new SliceAssignment() {
            @Override
            public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
                String name = javaClass.getPackageName();
                if (name.equals(ROOT)) {
                    return SliceIdentifier.of("application");
                }
                return name.startsWith(ROOT + ".") ? SliceIdentifier.of(name.substring(ROOT.length() + 1).split("\\.")[0])
                        : SliceIdentifier.ignore();
            }

            @Override
            public String getDescription() {
                return "the packages of presence-broker, the application's own as 'application'";
            }
        }).should().beFreeOfCycles().check(classes);
    }
}
