package agent

import (
	"slices"
	"testing"
)

func TestWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		err  bool
	}{
		{"ssh -o BatchMode=yes deploy@app1", []string{"ssh", "-o", "BatchMode=yes", "deploy@app1"}, false},
		{"kubectl exec -i -n prod deploy/app --", []string{"kubectl", "exec", "-i", "-n", "prod", "deploy/app", "--"}, false},
		{`ssh -o 'ProxyCommand=ssh -W %h:%p bastion' app`, []string{"ssh", "-o", "ProxyCommand=ssh -W %h:%p bastion", "app"}, false},
		{`sudo -u "probe user" x\ y`, []string{"sudo", "-u", "probe user", "x y"}, false},
		{`echo "a\"b" '$HOME' $HOME *`, []string{"echo", `a"b`, "$HOME", "$HOME", "*"}, false},
		{`a""b ''`, []string{"ab", ""}, false},
		{"  ip netns exec blue  ", []string{"ip", "netns", "exec", "blue"}, false},
		{"ssh 'app", nil, true},
		{`ssh "app`, nil, true},
		{`ssh app\`, nil, true},
	} {
		got, err := Words(tc.in)
		if (err != nil) != tc.err || !slices.Equal(got, tc.want) {
			t.Errorf("Words(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}
