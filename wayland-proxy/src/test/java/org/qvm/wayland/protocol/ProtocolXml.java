package org.qvm.wayland.protocol;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/** Reads Wayland protocol XML (as Debian ships it) into interfaces with all their messages, every version. */
final class ProtocolXml {
    private ProtocolXml() {
    }

    static Map<String, Interface> read(Path file) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", false);
        factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        Document document = factory.newDocumentBuilder().parse(file.toFile());
        Map<String, Interface> interfaces = new LinkedHashMap<>();
        NodeList nodes = document.getDocumentElement().getElementsByTagName("interface");
        for (int i = 0; i < nodes.getLength(); i++) {
            Element element = (Element) nodes.item(i);
            String name = element.getAttribute("name");
            interfaces.put(name, new Interface(name, Integer.parseInt(element.getAttribute("version")),
                    messages(element, "request"), messages(element, "event")));
        }
        return interfaces;
    }

    private static List<Message> messages(Element iface, String kind) {
        List<Message> messages = new ArrayList<>();
        for (Node node = iface.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element && element.getTagName().equals(kind)) {
                List<Arg> args = new ArrayList<>();
                for (Node child = element.getFirstChild(); child != null; child = child.getNextSibling()) {
                    if (child instanceof Element arg && arg.getTagName().equals("arg")) {
                        String type = arg.getAttribute("type");
                        Optional<String> of = arg.hasAttribute("interface") ? Optional.of(arg.getAttribute("interface"))
                                : Optional.empty();
                        args.add(new Arg(WireType.ofXml(type), "true".equals(arg.getAttribute("allow-null")), of));
                    }
                }
                int since = element.hasAttribute("since") ? Integer.parseInt(element.getAttribute("since")) : 1;
                messages.add(new Message(element.getAttribute("name"), since, "destructor".equals(element.getAttribute("type")), args));
            }
        }
        return messages;
    }
}
