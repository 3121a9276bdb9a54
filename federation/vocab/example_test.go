package vocab_test

import (
	"fmt"

	"github.com/e-toiles/etoiles/federation/vocab"
)

func ExampleDecode() {
	it, err := vocab.Decode([]byte(`{
		"@context": ["https://www.w3.org/ns/activitystreams", {"@language": "fr"}],
		"type": "Create",
		"actor": "https://fr.example/actor",
		"to": ["https://it.example/actor"],
		"object": {
			"type": ["Article", "Opportunity"],
			"name": "Refonte du site",
			"nameMap": {"en": "Website redesign"},
			"cpvCodes": ["72413000"]
		}
	}`))
	if err != nil {
		panic(err)
	}
	obj := it.Object()
	var cpv []string
	_ = obj.Unmarshal("cpvCodes", &cpv)
	fmt.Println(it.Actor(), it.To())
	fmt.Println(obj.Types(), obj.Is("etoiles:Opportunity"))
	fmt.Println(obj.NameMap()["fr"], "/", obj.NameMap()["en"], cpv)
	out, _ := vocab.Encode(it)
	fmt.Println(string(out)[:60])
	// Output:
	// https://fr.example/actor [https://it.example/actor]
	// [Article Opportunity] true
	// Refonte du site / Website redesign [72413000]
	// {"@context":["https://www.w3.org/ns/activitystreams",{"@lang
}

func ExampleNewActivity() {
	follow := vocab.NewActivity("Follow", "https://fr.example/follows/1",
		"https://fr.example/actor", "https://it.example/actor").
		SetTo("https://it.example/actor")
	out, err := follow.Marshal()
	if err != nil {
		panic(err)
	}
	fmt.Println(string(out))
	// Output:
	// {"@context":["https://www.w3.org/ns/activitystreams","https://w3id.org/security/v1",{"etoiles":"https://w3id.org/etoiles#"}],"id":"https://fr.example/follows/1","type":"Follow","actor":"https://fr.example/actor","object":"https://it.example/actor","to":["https://it.example/actor"]}
}
